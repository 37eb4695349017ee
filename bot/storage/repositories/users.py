"""Users: upserted from every update so names and languages stay current."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.user import UserProfile
from bot.services.ports import TelegramIdentity
from bot.storage.sql import insert_ignoring_conflict
from bot.storage.tables import users

PROFILE_FIELDS = frozenset(
    {
        "display_name",
        "bio",
        "skills",
        "languages",
        "timezone",
        "stripe_account_id",
        "payouts_enabled",
        "is_blocked",
        "bot_blocked",
    }
)


def _profile(row: RowMapping) -> UserProfile:
    return UserProfile(
        id=row["id"],
        first_name=row["first_name"],
        username=row["username"],
        language_code=row["language_code"],
        display_name=row["display_name"],
        bio=row["bio"],
        skills=row["skills"],
        languages=row["languages"],
        timezone=row["timezone"],
        stripe_account_id=row["stripe_account_id"],
        payouts_enabled=bool(row["payouts_enabled"]),
        is_blocked=bool(row["is_blocked"]),
        bot_blocked=bool(row["bot_blocked"]),
    )


class SqlUserRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def upsert_identity(self, identity: TelegramIdentity, now: datetime) -> UserProfile:
        inserted = await insert_ignoring_conflict(
            self._connection,
            users,
            {
                "id": identity.id,
                "username": identity.username,
                "first_name": identity.first_name,
                "language_code": identity.language_code,
                "created_at": now,
                "updated_at": now,
            },
        )
        if not inserted:
            await self._connection.execute(
                update(users)
                .where(users.c.id == identity.id)
                .values(
                    username=identity.username,
                    first_name=identity.first_name,
                    language_code=identity.language_code,
                    bot_blocked=False,
                    updated_at=now,
                )
            )
        profile = await self.get(identity.id)
        assert profile is not None  # just written in this transaction
        return profile

    async def get(self, user_id: int) -> UserProfile | None:
        return await self._one(user_id, lock=False)

    async def get_for_update(self, user_id: int) -> UserProfile | None:
        # SQLite renders no FOR UPDATE: its writers are serialised by BEGIN IMMEDIATE already.
        return await self._one(user_id, lock=True)

    async def _one(self, user_id: int, *, lock: bool) -> UserProfile | None:
        query = select(users).where(users.c.id == user_id)
        if lock:
            query = query.with_for_update()
        row = (await self._connection.execute(query)).mappings().first()
        return _profile(row) if row else None

    async def languages(self, user_ids: Collection[int]) -> dict[int, str | None]:
        """Telegram language codes of these users (the ones we know), in one query."""
        if not user_ids:
            return {}
        rows = await self._connection.execute(
            select(users.c.id, users.c.language_code).where(users.c.id.in_(list(user_ids)))
        )
        return {user_id: language for user_id, language in rows.all()}

    async def update_profile(self, user_id: int, now: datetime, **fields: Any) -> None:
        unknown = set(fields) - PROFILE_FIELDS
        if unknown:
            raise ValueError(f"not profile fields: {sorted(unknown)}")
        await self._connection.execute(
            update(users).where(users.c.id == user_id).values(updated_at=now, **fields)
        )
