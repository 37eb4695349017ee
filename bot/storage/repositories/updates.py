"""Claims on Telegram updates, so each update_id is handled once across replicas.

A replica claims an update before handling it and marks it finished afterwards. A redelivery
of a finished update is skipped; one that arrives while another replica holds a fresh claim is
reported busy (webhook mode answers Telegram "try later"); a claim older than its lease belongs
to a replica that died mid-update, and is taken over, so the update is handled, never lost.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.ports import UpdateClaim
from bot.storage.sql import insert_ignoring_conflict
from bot.storage.tables import processed_updates

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)  # older than any lease


class SqlProcessedUpdateRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def claim(self, update_id: int, now: datetime, lease: timedelta) -> UpdateClaim:
        if await insert_ignoring_conflict(
            self._connection, processed_updates, {"update_id": update_id, "processed_at": now}
        ):
            return UpdateClaim.NEW
        row = (
            await self._connection.execute(
                select(processed_updates.c.processed_at, processed_updates.c.finished_at).where(
                    processed_updates.c.update_id == update_id
                )
            )
        ).first()
        if row is None or row.finished_at is not None:
            return UpdateClaim.DONE
        if now - row.processed_at < lease:
            return UpdateClaim.BUSY
        taken = await self._connection.execute(  # compare-and-set: one replica takes it over
            update(processed_updates)
            .where(
                processed_updates.c.update_id == update_id,
                processed_updates.c.processed_at == row.processed_at,
                processed_updates.c.finished_at.is_(None),
            )
            .values(processed_at=now)
        )
        return UpdateClaim.NEW if taken.rowcount else UpdateClaim.BUSY

    async def finish(self, update_id: int, now: datetime) -> None:
        await self._connection.execute(
            update(processed_updates)
            .where(processed_updates.c.update_id == update_id)
            .values(finished_at=now)
        )

    async def finish_many(self, update_ids: Collection[int], now: datetime) -> None:
        """Mark several updates finished in one statement (the handlers batch their finishes)."""
        if update_ids:
            await self._connection.execute(
                update(processed_updates)
                .where(processed_updates.c.update_id.in_(list(update_ids)))
                .values(finished_at=now)
            )

    async def release_unfinished(self) -> int:
        """Make every unfinished claim immediately takeable; returns how many there were.

        Only for a process that knows no other replica runs (polling mode): the claims it finds
        unfinished were left by its own predecessor's crash, and Telegram is about to deliver
        those updates again.
        """
        result = await self._connection.execute(
            update(processed_updates)
            .where(processed_updates.c.finished_at.is_(None))
            .values(processed_at=LONG_AGO)
        )
        return int(result.rowcount or 0)

    async def release(self, update_id: int) -> None:
        """Make one unfinished claim takeable at once (its handling failed; see the port)."""
        await self._connection.execute(
            update(processed_updates)
            .where(
                processed_updates.c.update_id == update_id,
                processed_updates.c.finished_at.is_(None),
            )
            .values(processed_at=LONG_AGO)
        )

    async def seen(self, update_id: int) -> bool:
        """True once the update was handled to the end."""
        query = select(processed_updates.c.finished_at).where(
            processed_updates.c.update_id == update_id
        )
        return (await self._connection.execute(query)).scalar_one_or_none() is not None
