"""The store the flow tests run on: SQLite by default, PostgreSQL with TEST_STORE=postgres.

Storage and search tests are parametrised over both stores; the end-to-end, service and
property tests run the whole bot on one store at a time. `make test` runs the suite once on
SQLite and, when TEST_POSTGRES_DSN is set (CI sets it), once more with TEST_STORE=postgres, so
every feature is exercised on both.

On PostgreSQL each fresh store is a schema of its own on the test server (`?search_path=`),
dropped when the store is released, or at the end of the session for stores a test started
without a context (`start_harness`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text

from bot.storage.db import create_engine

POSTGRES_DSN = os.environ.get("TEST_POSTGRES_DSN")
STORE = os.environ.get("TEST_STORE", "sqlite")
SCHEMA_PREFIX = "gbt_"
if STORE not in ("sqlite", "postgres"):
    raise RuntimeError(f"TEST_STORE must be sqlite or postgres, not {STORE!r}")
if STORE == "postgres" and not POSTGRES_DSN:
    raise RuntimeError("TEST_STORE=postgres needs TEST_POSTGRES_DSN")

# Schemas made by `new_store` and not dropped yet; `drop_leftover_schemas` drops them.
_open_schemas: list[str] = []


def on_postgres() -> bool:
    return STORE == "postgres"


def _with_search_path(schema: str) -> str:
    assert POSTGRES_DSN is not None
    separator = "&" if "?" in POSTGRES_DSN else "?"
    return f"{POSTGRES_DSN}{separator}search_path={schema}"


async def new_store(folder: Path) -> str:
    """The URL of a fresh, empty database on the store under test."""
    if not on_postgres():
        return f"sqlite+aiosqlite:///{folder / 'gigbroker.sqlite3'}"
    assert POSTGRES_DSN is not None
    schema = f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_DSN)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        await admin.dispose()
    _open_schemas.append(schema)
    return _with_search_path(schema)


async def drop_store(url: str) -> None:
    """Drop a PostgreSQL store made by `new_store` (SQLite files go with their folder)."""
    if not on_postgres():
        return
    schema = url.rsplit("search_path=", 1)[-1]
    await _drop([schema])


async def drop_leftover_schemas() -> None:
    await _drop(list(_open_schemas))


async def _drop(schemas: list[str]) -> None:
    if not schemas or POSTGRES_DSN is None:
        return
    admin = create_engine(POSTGRES_DSN)
    try:
        for schema in schemas:  # one transaction each: a schema's objects take many locks
            async with admin.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            if schema in _open_schemas:
                _open_schemas.remove(schema)
    finally:
        await admin.dispose()


@asynccontextmanager
async def fresh_store(folder: Path) -> AsyncIterator[str]:
    """`new_store`, dropped again when the block ends."""
    url = await new_store(folder)
    try:
        yield url
    finally:
        await drop_store(url)
