"""The outbox: notifications committed with their state change, drained by the sender."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.ports import NewNotification, OutboxMessage
from bot.storage.sql import insert_ignoring_conflict
from bot.storage.tables import outbox

DEFAULT_LEASE = timedelta(seconds=60)


def _message(row: RowMapping) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        chat_id=row["chat_id"],
        kind=row["kind"],
        payload=row["payload"],
        attempts=row["attempts"],
        created_at=row["created_at"],
        available_at=row["available_at"],
    )


class SqlOutboxRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self.queued = 0  # notifications this unit of work added (the sender is woken on commit)

    async def add(self, notification: NewNotification, now: datetime) -> bool:
        """Queue a notification; with a dedupe key, a second identical one is ignored."""
        added = await insert_ignoring_conflict(
            self._connection,
            outbox,
            {
                "chat_id": notification.chat_id,
                "kind": notification.kind,
                "payload": dict(notification.payload),
                "dedupe_key": notification.dedupe_key,
                "created_at": now,
                "available_at": now,
            },
        )
        self.queued += added
        return added

    async def claim_due(
        self, now: datetime, limit: int, lease: timedelta = DEFAULT_LEASE
    ) -> Sequence[OutboxMessage]:
        """Lease the oldest unsent messages that are due to this sender.

        A leased message is invisible to other senders until `now + lease`; if this sender
        dies before `mark_sent`, the lease runs out and the message is sent again (a resend,
        never a loss). On PostgreSQL, rows another replica is claiming are skipped
        (FOR UPDATE SKIP LOCKED), so concurrent senders never lease the same message.
        """
        query = (
            select(outbox)
            .where(outbox.c.sent_at.is_(None), outbox.c.available_at <= now)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        if self._connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await self._connection.execute(query)).mappings().all()
        if rows:
            await self._connection.execute(
                update(outbox)
                .where(outbox.c.id.in_([row["id"] for row in rows]))
                .values(available_at=now + lease, attempts=outbox.c.attempts + 1)
            )
        return [_message(row) for row in rows]

    async def mark_sent(self, message_id: int, now: datetime, error: str | None = None) -> None:
        """Done with the message: sent, or given up on for good (then `error` says why)."""
        await self._connection.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(sent_at=now, last_error=error[:1000] if error else None)
        )

    async def mark_failed(self, message_id: int, error: str, retry_at: datetime) -> None:
        """Try again at `retry_at` (network trouble, flood control beyond the limiter)."""
        await self._connection.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(last_error=error[:1000], available_at=retry_at)
        )

    async def pending_count(self) -> int:
        query = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        return int((await self._connection.execute(query)).scalar_one())
