"""The payment journal and polling mode's inbox of updates, in SQL.

The journal is never deleted from: it is the record of what the providers told us. The inbox
only has to outlive the handling of its updates (a restarted process finishes what a killed
one had received); finished rows are pruned after a day.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.money.journal_ports import JournalEntry
from bot.storage.sql import insert_ignoring_conflict
from bot.storage.tables import inbound_updates, payment_journal, processed_updates

MAX_ERROR_LENGTH = 2000


def _entry(row: Row[Any]) -> JournalEntry:
    return JournalEntry(
        id=int(row.id),
        source=row.source,
        external_id=row.external_id,
        kind=row.kind,
        payload=dict(row.payload),
        received_at=row.received_at,
        attempts=int(row.attempts),
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        applied_at=row.applied_at,
        refused_at=row.refused_at,
        refused_reason=row.refused_reason,
        alerted_at=row.alerted_at,
    )


_PENDING = and_(payment_journal.c.applied_at.is_(None), payment_journal.c.refused_at.is_(None))


class SqlPaymentJournalRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(
        self,
        source: str,
        external_id: str,
        kind: str,
        payload: Mapping[str, Any],
        now: datetime,
    ) -> bool:
        return await insert_ignoring_conflict(
            self._connection,
            payment_journal,
            {
                "source": source,
                "external_id": external_id,
                "kind": kind,
                "payload": dict(payload),
                "received_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            },
        )

    async def get(self, source: str, external_id: str) -> JournalEntry | None:
        row = (
            await self._connection.execute(
                select(payment_journal).where(
                    payment_journal.c.source == source,
                    payment_journal.c.external_id == external_id,
                )
            )
        ).first()
        return _entry(row) if row is not None else None

    async def get_by_id(self, entry_id: int) -> JournalEntry | None:
        row = (
            await self._connection.execute(
                select(payment_journal).where(payment_journal.c.id == entry_id)
            )
        ).first()
        return _entry(row) if row is not None else None

    async def due(self, now: datetime, limit: int) -> Sequence[JournalEntry]:
        rows = await self._connection.execute(
            select(payment_journal)
            .where(_PENDING, payment_journal.c.next_attempt_at <= now)
            .order_by(payment_journal.c.id)
            .limit(limit)
        )
        return [_entry(row) for row in rows]

    async def mark_applied(self, entry_id: int, now: datetime) -> None:
        await self._connection.execute(
            update(payment_journal)
            .where(payment_journal.c.id == entry_id, _PENDING)
            .values(applied_at=now)
        )

    async def mark_refused(self, entry_id: int, reason: str, now: datetime) -> None:
        await self._connection.execute(
            update(payment_journal)
            .where(payment_journal.c.id == entry_id, _PENDING)
            .values(refused_at=now, refused_reason=reason[:MAX_ERROR_LENGTH])
        )

    async def record_failure(self, entry_id: int, error: str, retry_at: datetime) -> int:
        await self._connection.execute(
            update(payment_journal)
            .where(payment_journal.c.id == entry_id)
            .values(
                attempts=payment_journal.c.attempts + 1,
                last_error=error[:MAX_ERROR_LENGTH],
                next_attempt_at=retry_at,
            )
        )
        attempts = await self._connection.scalar(
            select(payment_journal.c.attempts).where(payment_journal.c.id == entry_id)
        )
        return int(attempts or 0)

    async def mark_alerted(self, entry_id: int, now: datetime) -> bool:
        result = await self._connection.execute(
            update(payment_journal)
            .where(payment_journal.c.id == entry_id, payment_journal.c.alerted_at.is_(None))
            .values(alerted_at=now)
        )
        return bool(result.rowcount)

    async def unapplied_count(self) -> int:
        query = select(func.count()).select_from(payment_journal).where(_PENDING)
        return int(await self._connection.scalar(query) or 0)

    async def count(self) -> int:
        query = select(func.count()).select_from(payment_journal)
        return int(await self._connection.scalar(query) or 0)


class SqlInboundUpdateRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def store_many(
        self, updates: Sequence[tuple[int, Mapping[str, Any]]], now: datetime
    ) -> int:
        stored = 0
        for update_id, payload in updates:
            stored += await insert_ignoring_conflict(
                self._connection,
                inbound_updates,
                {"update_id": update_id, "payload": dict(payload), "received_at": now},
            )
        return stored

    async def unfinished(
        self, limit: int, after: int | None = None
    ) -> Sequence[tuple[int, Mapping[str, Any]]]:
        finished_claim = exists().where(
            processed_updates.c.update_id == inbound_updates.c.update_id,
            processed_updates.c.finished_at.is_not(None),
        )
        await self._connection.execute(
            update(inbound_updates)
            .where(inbound_updates.c.finished_at.is_(None), finished_claim)
            .values(
                finished_at=select(processed_updates.c.finished_at)
                .where(processed_updates.c.update_id == inbound_updates.c.update_id)
                .scalar_subquery()
            )
        )
        rows = await self._connection.execute(
            select(inbound_updates.c.update_id, inbound_updates.c.payload)
            .where(
                inbound_updates.c.finished_at.is_(None),
                inbound_updates.c.update_id > (after if after is not None else -1),
            )
            .order_by(inbound_updates.c.update_id)
            .limit(limit)
        )
        return [(int(row.update_id), dict(row.payload)) for row in rows]

    async def finish_many(self, update_ids: Collection[int], now: datetime) -> None:
        if update_ids:
            await self._connection.execute(
                update(inbound_updates)
                .where(
                    inbound_updates.c.update_id.in_(list(update_ids)),
                    inbound_updates.c.finished_at.is_(None),
                )
                .values(finished_at=now)
            )

    async def prune_finished(self, before: datetime, limit: int) -> int:
        old = (
            select(inbound_updates.c.update_id)
            .where(inbound_updates.c.finished_at < before)
            .order_by(inbound_updates.c.update_id)
            .limit(limit)
        )
        result = await self._connection.execute(
            delete(inbound_updates).where(inbound_updates.c.update_id.in_(old.scalar_subquery()))
        )
        return int(result.rowcount or 0)
