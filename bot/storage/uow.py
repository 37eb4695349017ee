"""The SQL unit of work: one database transaction per service call.

Each service opens one `SqlUnitOfWork`, reads and writes through its repositories, and the
transaction commits when the block ends cleanly or rolls back when anything raises, so a
state change, its ledger transaction and its outbox notifications land together or not at all.

On SQLite, write units of work of one process queue on an `asyncio.Lock` before BEGIN
IMMEDIATE. SQLite admits one writer at a time anyway, and a writer that finds the lock taken
waits in SQLite's busy handler, which sleeps in steps of 1 to 100 ms and re-tries: measured in
bench.throughput at 200 people, 1 BEGIN in 20 waited over 5 ms there, up to 180 ms. An
in-process queue hands the lock over the moment the previous writer commits, first come first
served. The busy timeout still covers writers in other processes (the CLI, a backup).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.services.groups.ports import GroupRepository
from bot.services.money.journal_ports import InboundUpdateRepository, PaymentJournalRepository
from bot.services.orders.tip_ports import TipRepository
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
from bot.services.requests.ports import BriefRepository, SavedSearchRepository
from bot.storage.db import READ_ONLY_OPTION, is_sqlite
from bot.storage.repositories.briefs import SqlBriefRepository, SqlSavedSearchRepository
from bot.storage.repositories.gigs import SqlGigRepository
from bot.storage.repositories.groups import SqlGroupRepository
from bot.storage.repositories.journal import (
    SqlInboundUpdateRepository,
    SqlPaymentJournalRepository,
)
from bot.storage.repositories.ledger import SqlLedgerRepository, SqlStripeEventRepository
from bot.storage.repositories.orders import SqlOrderEventRepository, SqlOrderRepository
from bot.storage.repositories.outbox import SqlOutboxRepository
from bot.storage.repositories.persistence import SqlPersistenceRepository
from bot.storage.repositories.reviews import SqlReviewRepository
from bot.storage.repositories.tips import SqlTipRepository
from bot.storage.repositories.updates import SqlProcessedUpdateRepository
from bot.storage.repositories.users import SqlUserRepository

log = logging.getLogger(__name__)


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
    journal: PaymentJournalRepository
    inbox: InboundUpdateRepository
    tips: TipRepository

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        read_only: bool = False,
        write_lock: asyncio.Lock | None = None,
        after_notifications: Callable[[], None] | None = None,
    ) -> None:
        self._engine = engine
        self._after_notifications = after_notifications
        self._read_only = read_only
        self._write_lock = None if read_only else write_lock
        self._connection: AsyncConnection | None = None

    @property
    def connection(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open")
        return self._connection

    async def __aenter__(self) -> Self:
        if self._write_lock is not None:
            await self._write_lock.acquire()
        try:
            connection = await self._engine.connect()
            try:
                if self._read_only:
                    connection = await connection.execution_options(**{READ_ONLY_OPTION: True})
                await connection.begin()
            except BaseException:
                await connection.close()
                raise
        except BaseException:
            if self._write_lock is not None:
                self._write_lock.release()
            raise
        self._connection = connection
        self._bind(connection)
        return self

    def _bind(self, connection: AsyncConnection) -> None:
        self.users = SqlUserRepository(connection)
        self.gigs = SqlGigRepository(connection)
        self.outbox = self._outbox = SqlOutboxRepository(connection)
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
        self.journal = SqlPaymentJournalRepository(connection)
        self.inbox = SqlInboundUpdateRepository(connection)
        self.tips = SqlTipRepository(connection)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection = self.connection
        committed = False
        try:
            try:
                if exc_type is None and not self._read_only:
                    await connection.commit()
                    committed = True
                else:
                    await connection.rollback()
            except BaseException:
                await _discard(connection)
                raise
        finally:
            try:
                await connection.close()
            finally:
                self._connection = None
                if self._write_lock is not None:
                    self._write_lock.release()
        if committed and self._outbox.queued and self._after_notifications is not None:
            self._after_notifications()


async def _discard(connection: AsyncConnection) -> None:
    """Take a connection whose COMMIT or ROLLBACK failed out of the pool for good.

    After a failed COMMIT SQLAlchemy counts the transaction as ended, so the pool's
    reset-on-return skips its ROLLBACK; but the database may still hold it open: SQLite keeps
    BEGIN IMMEDIATE's write lock (every other writer then waits out the busy timeout, and the
    next unit of work on that connection fails "cannot start a transaction within a
    transaction"), and on PostgreSQL the next unit of work would run inside the failed one's
    transaction and see its uncommitted writes. Closing the driver's connection ends that
    transaction on either store (SQLite and the server roll it back); the pool opens a new
    one for the next unit of work.
    """
    try:
        await connection.invalidate()
    except Exception:  # the connection is broken already; the pool drops it either way
        log.warning("could not discard a connection after a failed commit", exc_info=True)


class SqlUnitOfWorkFactory:
    """Opens units of work on one engine; the composition root builds one of these.

    On SQLite it owns the process's write queue (see the module docstring); PostgreSQL takes
    concurrent writers, so there is none. `after_notifications` (set by the composition root)
    is called after each commit that queued notifications, so the outbox sender drains only
    when there is something to send, instead of leasing an empty batch after every update.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._write_lock = asyncio.Lock() if is_sqlite(str(engine.url)) else None
        self.after_notifications: Callable[[], None] | None = None

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            read_only=read_only,
            write_lock=self._write_lock,
            after_notifications=self.after_notifications,
        )
