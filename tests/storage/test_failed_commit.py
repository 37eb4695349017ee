"""A unit of work whose COMMIT fails leaves nothing behind on the pooled connection.

Found by the chaos suite: SQLAlchemy counts a transaction whose COMMIT raised as ended, so the
pool skipped its reset, while the database still held it open. On SQLite the connection kept
BEGIN IMMEDIATE's write lock (the next unit of work on it failed "cannot start a transaction
within a transaction", every other writer waited out the busy timeout); on PostgreSQL the next
unit of work ran inside the failed one's transaction and saw its uncommitted writes. Broken
here both where the chaos suite breaks it (SQLAlchemy's commit event, before the driver is
asked) and inside the driver's own commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import create_engine, is_sqlite
from bot.storage.uow import SqlUnitOfWorkFactory


@pytest.fixture
async def store(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE things (id INTEGER PRIMARY KEY)"))
    yield engine


async def _fail_in_commit_event(engine: AsyncEngine, _monkeypatch: pytest.MonkeyPatch) -> None:
    failures = [RuntimeError("commit failed before it reached the database")]

    def before_commit(_connection: Any) -> None:
        if failures:
            raise failures.pop()

    event.listen(engine.sync_engine, "commit", before_commit)


async def _fail_in_driver_commit(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    dbapi = engine.sync_engine.dialect.loaded_dbapi
    failures = [dbapi.OperationalError("database is locked")]
    async with engine.connect() as connection:
        adapted: Any = type((await connection.get_raw_connection()).dbapi_connection)
    real_commit = adapted.commit

    def commit_once_failing(self: Any) -> None:
        if failures:
            raise failures.pop()
        real_commit(self)

    monkeypatch.setattr(adapted, "commit", commit_once_failing)


async def _ids(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT id FROM things ORDER BY id"))
        return [int(row.id) for row in rows]


@pytest.mark.parametrize(
    "break_commit",
    [_fail_in_commit_event, _fail_in_driver_commit],
    ids=["commit-event", "driver-commit"],
)
async def test_the_unit_of_work_after_a_failed_commit_starts_cleanly(
    store: AsyncEngine,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    break_commit: Callable[[AsyncEngine, pytest.MonkeyPatch], Awaitable[None]],
) -> None:
    units = SqlUnitOfWorkFactory(store)
    await _ids(store)  # the pool holds one connection: the next units of work all take it
    await break_commit(store, monkeypatch)
    with pytest.raises((RuntimeError, DBAPIError)):
        async with units() as unit:
            await unit.connection.execute(text("INSERT INTO things (id) VALUES (1)"))

    async with units() as unit:  # on the same pool, straight after
        seen = await unit.connection.execute(text("SELECT count(*) FROM things"))
        assert seen.scalar_one() == 0  # not the failed unit's uncommitted row
        await unit.connection.execute(text("INSERT INTO things (id) VALUES (2)"))

    other = create_engine(database_url)  # another process: it can write at once, sees one row
    try:
        async with other.begin() as connection:
            if is_sqlite(database_url):
                await connection.exec_driver_sql("PRAGMA busy_timeout=200")
            await connection.execute(text("INSERT INTO things (id) VALUES (3)"))
        assert await _ids(other) == [2, 3]
    finally:
        await other.dispose()
