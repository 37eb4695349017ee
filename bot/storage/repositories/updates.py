"""Processed Telegram updates: the first replica to claim an update_id handles it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.sql import insert_ignoring_conflict
from bot.storage.tables import processed_updates


class SqlProcessedUpdateRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def claim(self, update_id: int, now: datetime) -> bool:
        """True the first time an update is seen; False for a redelivery."""
        return await insert_ignoring_conflict(
            self._connection,
            processed_updates,
            {"update_id": update_id, "processed_at": now},
        )

    async def seen(self, update_id: int) -> bool:
        query = select(processed_updates.c.update_id).where(
            processed_updates.c.update_id == update_id
        )
        return (await self._connection.execute(query)).first() is not None
