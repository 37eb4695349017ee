"""Small dialect-aware helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


async def insert_ignoring_conflict(
    connection: AsyncConnection,
    table: Table,
    values: dict[str, Any],
    conflict_on: list[str] | None = None,
) -> bool:
    """Insert a row unless it collides with a unique key; True when it was inserted.

    Done with ON CONFLICT DO NOTHING rather than catching IntegrityError, because on
    PostgreSQL a failed statement aborts the whole surrounding transaction. With
    `conflict_on`, only a collision on those columns is ignored: one on any other unique key
    still raises, for tables where such a collision means a bug, not a repeat.
    """
    dialect: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing(
        index_elements=conflict_on
    )
    result = await connection.execute(statement)
    return bool(result.rowcount)


async def upsert(
    connection: AsyncConnection, table: Table, values: dict[str, Any], key: list[str]
) -> None:
    """Insert a row, or update the row with the same `key` columns: one statement (INSERT ...
    ON CONFLICT DO UPDATE), where an insert-then-update takes two on every update."""
    dialect: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    changed = {name: statement.excluded[name] for name in values if name not in key}
    await connection.execute(statement.on_conflict_do_update(index_elements=key, set_=changed))
