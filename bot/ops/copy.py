"""`python -m bot copy-db SOURCE TARGET`: move the data from one store to another.

The way from SQLite to PostgreSQL: migrate the target (`python -m bot migrate` on its URL, or
done here), then copy every table in foreign-key order in one target transaction, then move
PostgreSQL's id sequences past the copied ids. The bot must be stopped while it runs; the
target must be empty, so a half-done copy is never mistaken for a finished one.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.migrate import upgrade
from bot.storage.tables import metadata

BATCH = 1000


class TargetNotEmpty(RuntimeError):
    """The target already holds rows; refuse rather than merge two stores."""


async def _count(connection: AsyncConnection, table: Table) -> int:
    return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def _reset_sequences(connection: AsyncConnection, table: Table) -> None:
    for column in table.primary_key.columns:
        if column.autoincrement is True:
            await connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                    f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                )
            )


async def copy_database(
    source: AsyncEngine, target: AsyncEngine, report: Callable[[str], None] = print
) -> dict[str, int]:
    """Copy every table of the schema; returns rows copied per table."""
    await upgrade(target)
    copied: dict[str, int] = {}
    async with source.connect() as reader, target.begin() as writer:
        for table in metadata.sorted_tables:
            if await _count(writer, table):
                raise TargetNotEmpty(f"table {table.name} in the target is not empty")
        for table in metadata.sorted_tables:
            rows = 0
            result = await reader.stream(select(table))
            async for chunk in result.mappings().partitions(BATCH):
                await writer.execute(table.insert(), [dict(row) for row in chunk])
                rows += len(chunk)
            if writer.dialect.name == "postgresql":
                await _reset_sequences(writer, table)
            copied[table.name] = rows
            report(f"{table.name}: {rows} rows")
    return copied
