"""The ports the services use: repository and unit-of-work protocols and their plain records.

Services depend only on these protocols; `bot/storage` implements them with SQLAlchemy Core
and `tests/fakes` with dictionaries, so a service test needs no database when it wants none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from bot.domain.user import UserProfile


@dataclass(frozen=True, slots=True)
class TelegramIdentity:
    """What Telegram tells us about a user on every update."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A notification committed with the state change it belongs to, sent later."""

    id: int
    chat_id: int
    kind: str
    payload: Mapping[str, Any]
    attempts: int
    created_at: datetime
    available_at: datetime


@dataclass(frozen=True, slots=True)
class NewNotification:
    """A notification a service wants delivered once its transaction commits."""

    chat_id: int
    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None


class UserRepository(Protocol):
    async def upsert_identity(self, identity: TelegramIdentity, now: datetime) -> UserProfile: ...

    async def get(self, user_id: int) -> UserProfile | None: ...

    async def update_profile(self, user_id: int, now: datetime, **fields: Any) -> None: ...


class OutboxRepository(Protocol):
    async def add(self, notification: NewNotification, now: datetime) -> bool: ...

    async def claim_due(
        self, now: datetime, limit: int, lease: timedelta = ...
    ) -> Sequence[OutboxMessage]: ...

    async def mark_sent(self, message_id: int, now: datetime, error: str | None = None) -> None: ...

    async def mark_failed(self, message_id: int, error: str, retry_at: datetime) -> None: ...

    async def pending_count(self) -> int: ...


class ProcessedUpdateRepository(Protocol):
    async def claim(self, update_id: int, now: datetime) -> bool: ...

    async def seen(self, update_id: int) -> bool: ...


class PersistenceRepository(Protocol):
    async def load(self, kind: str) -> dict[str, Any]: ...

    async def get(self, kind: str, key: str) -> Any: ...

    async def save(self, kind: str, key: str, data: Any, now: datetime) -> None: ...

    async def delete(self, kind: str, key: str) -> None: ...


class UnitOfWork(Protocol):
    """One database transaction: commits on a clean exit, rolls back on an exception."""

    users: UserRepository
    outbox: OutboxRepository
    updates: ProcessedUpdateRepository
    persistence: PersistenceRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...
