"""The SQL unit of work: one database transaction per service call.

Each service opens one `SqlUnitOfWork`, reads and writes through its repositories, and the
transaction commits when the block ends cleanly or rolls back when anything raises, so a
state change, its ledger transaction and its outbox notifications land together or not at all.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.services.brief_ports import BriefRepository, SavedSearchRepository
from bot.services.group_ports import GroupRepository
from bot.services.ports import (
    GigRepository,
    LedgerRepository,
    OrderEventRepository,
    OrderRepository,
    OutboxRepository,
    PersistenceRepository,
    ProcessedUpdateRepository,
    ReviewRepository,
    StripeEventRepository,
    UserRepository,
)
from bot.storage.db import READ_ONLY_OPTION
from bot.storage.repositories.briefs import SqlBriefRepository, SqlSavedSearchRepository
from bot.storage.repositories.gigs import SqlGigRepository
from bot.storage.repositories.groups import SqlGroupRepository
from bot.storage.repositories.ledger import SqlLedgerRepository, SqlStripeEventRepository
from bot.storage.repositories.orders import SqlOrderEventRepository, SqlOrderRepository
from bot.storage.repositories.outbox import SqlOutboxRepository
from bot.storage.repositories.persistence import SqlPersistenceRepository
from bot.storage.repositories.reviews import SqlReviewRepository
from bot.storage.repositories.updates import SqlProcessedUpdateRepository
from bot.storage.repositories.users import SqlUserRepository


class SqlUnitOfWork:
    # Typed as the ports, so this class satisfies the UnitOfWork protocol exactly.
    users: UserRepository
    gigs: GigRepository
    outbox: OutboxRepository
    updates: ProcessedUpdateRepository
    persistence: PersistenceRepository
    orders: OrderRepository
    order_events: OrderEventRepository
    ledger: LedgerRepository
    stripe_events: StripeEventRepository
    groups: GroupRepository
    reviews: ReviewRepository
    briefs: BriefRepository
    saved_searches: SavedSearchRepository

    def __init__(self, engine: AsyncEngine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._connection: AsyncConnection | None = None

    @property
    def connection(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open")
        return self._connection

    async def __aenter__(self) -> Self:
        connection = await self._engine.connect()
        if self._read_only:
            connection = await connection.execution_options(**{READ_ONLY_OPTION: True})
        await connection.begin()
        self._connection = connection
        self._bind(connection)
        return self

    def _bind(self, connection: AsyncConnection) -> None:
        self.users = SqlUserRepository(connection)
        self.gigs = SqlGigRepository(connection)
        self.outbox = SqlOutboxRepository(connection)
        self.updates = SqlProcessedUpdateRepository(connection)
        self.persistence = SqlPersistenceRepository(connection)
        self.orders = SqlOrderRepository(connection)
        self.order_events = SqlOrderEventRepository(connection)
        self.ledger = SqlLedgerRepository(connection)
        self.stripe_events = SqlStripeEventRepository(connection)
        self.groups = SqlGroupRepository(connection)
        self.reviews = SqlReviewRepository(connection)
        self.briefs = SqlBriefRepository(connection)
        self.saved_searches = SqlSavedSearchRepository(connection)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection = self.connection
        try:
            if exc_type is None and not self._read_only:
                await connection.commit()
            else:
                await connection.rollback()
        finally:
            await connection.close()
            self._connection = None


class SqlUnitOfWorkFactory:
    """Opens units of work on one engine; the composition root builds one of these."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, read_only=read_only)
