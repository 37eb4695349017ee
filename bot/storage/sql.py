"""Small dialect-aware helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_ignoring_conflict(
    connection: AsyncConnection, table: Table, values: dict[str, Any]
) -> bool:
    """Insert a row unless it collides with a unique key; True when it was inserted.

    Done with ON CONFLICT DO NOTHING rather than catching IntegrityError, because on
    PostgreSQL a failed statement aborts the whole surrounding transaction.
    """
    if connection.dialect.name == "postgresql":
        statement: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    result = await connection.execute(statement)
    return bool(result.rowcount)
