"""Key-value persistence for python-telegram-bot's conversation and user data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.sql import upsert
from bot.storage.tables import persistence


class SqlPersistenceRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, kind: str, key: str) -> Any:
        query = select(persistence.c.data).where(
            persistence.c.kind == kind, persistence.c.key == key
        )
        return (await self._connection.execute(query)).scalar_one_or_none()

    async def save(self, kind: str, key: str, data: Any, now: datetime) -> None:
        await upsert(
            self._connection,
            persistence,
            {"kind": kind, "key": key, "data": data, "updated_at": now},
            key=["kind", "key"],
        )

    async def delete(self, kind: str, key: str) -> None:
        await self._connection.execute(
            delete(persistence).where(persistence.c.kind == kind, persistence.c.key == key)
        )
