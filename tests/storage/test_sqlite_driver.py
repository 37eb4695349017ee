"""The one-hop aiosqlite cursor behaves as a DBAPI cursor, and SQLite writers of one process
queue in the process instead of in SQLite's busy handler."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import create_engine
from bot.storage.sqlite_driver import OneHopConnection
from bot.storage.uow import SqlUnitOfWorkFactory

things = Table(
    "things",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String, nullable=False, unique=True),
)


@pytest.fixture
async def sqlite(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url)
    async with engine.begin() as connection:
        await connection.run_sync(things.metadata.create_all)
    yield engine
    await engine.dispose()


async def test_the_engine_uses_the_one_hop_connection(sqlite: AsyncEngine) -> None:
    async with sqlite.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneHopConnection)


async def test_rows_row_counts_and_inserted_ids(sqlite: AsyncEngine) -> None:
    async with sqlite.begin() as connection:
        first = await connection.execute(insert(things).values(name="a"))
        second = await connection.execute(insert(things).values(name="b"))
        many = await connection.execute(insert(things), [{"name": "c"}, {"name": "d"}])
        changed = await connection.execute(
            update(things)
            .where(things.c.name.in_(["a", "b", "zz"]))
            .values(name=things.c.name + "!")
        )
        rows = (await connection.execute(select(things.c.name).order_by(things.c.id))).all()
        nothing = (await connection.execute(select(things).where(things.c.id < 0))).all()
        returned = (
            await connection.execute(insert(things).values(name="e").returning(things.c.id))
        ).scalar_one()
    assert first.inserted_primary_key == (1,) and second.inserted_primary_key == (2,)
    assert many.rowcount == 2
    assert changed.rowcount == 2
    assert [r.name for r in rows] == ["a!", "b!", "c", "d"]
    assert nothing == []
    assert returned == 5


async def test_driver_errors_become_sqlalchemy_errors_and_the_connection_goes_on(
    sqlite: AsyncEngine,
) -> None:
    async with sqlite.connect() as connection:
        await connection.execute(insert(things).values(name="x"))
        with pytest.raises(IntegrityError):
            await connection.execute(insert(things).values(name="x"))
        with pytest.raises(OperationalError):
            await connection.execute(text("SELECT * FROM no_such_table"))
        assert (await connection.execute(select(things.c.name))).scalars().all() == ["x"]


async def test_streamed_results_still_work(sqlite: AsyncEngine) -> None:
    async with sqlite.begin() as connection:
        await connection.execute(insert(things), [{"name": f"n{i}"} for i in range(50)])
    async with sqlite.connect() as connection:
        result = await connection.stream(select(things.c.name).order_by(things.c.id))
        names = [row.name async for row in result]
    assert len(names) == 50 and names[0] == "n0"


async def test_writers_of_one_process_queue_without_busy_waits(sqlite: AsyncEngine) -> None:
    """Twenty writers at once, each holding its transaction across a hand-off of the loop: each
    gets the write lock in turn as the previous one commits. Through SQLite's busy handler
    (which sleeps 1, 2, 5, 10 ... ms between retries) whichever retries first wins."""
    uows = SqlUnitOfWorkFactory(sqlite)
    order: list[int] = []

    async def writer(n: int) -> None:
        async with uows() as uow:
            await uow.connection.execute(insert(things).values(name=f"w{n}"))
            await asyncio.sleep(0.01)
            order.append(n)

    await asyncio.gather(*(writer(n) for n in range(20)))
    async with uows(read_only=True) as uow:
        count = len((await uow.connection.execute(select(things))).all())
    assert count == 20
    assert order == list(range(20))  # first come, first served


async def test_a_failed_writer_releases_the_queue(sqlite: AsyncEngine) -> None:
    uows = SqlUnitOfWorkFactory(sqlite)
    with pytest.raises(IntegrityError):
        async with uows() as uow:
            await uow.connection.execute(insert(things).values(name="same"))
            await uow.connection.execute(insert(things).values(name="same"))
    async with asyncio.timeout(5):
        async with uows() as uow:
            await uow.connection.execute(insert(things).values(name="next"))
    async with uows(read_only=True) as uow:
        names = (await uow.connection.execute(select(things.c.name))).scalars().all()
    assert names == ["next"]


async def test_readers_do_not_wait_for_a_writer(sqlite: AsyncEngine) -> None:
    uows = SqlUnitOfWorkFactory(sqlite)
    async with uows() as writer:
        await writer.connection.execute(insert(things).values(name="uncommitted"))
        async with asyncio.timeout(2), uows(read_only=True) as reader:
            seen = (await reader.connection.execute(select(things))).all()
    assert seen == []


async def test_a_read_transaction_keeps_its_snapshot(sqlite: AsyncEngine) -> None:
    """BEGIN travels with the first statement, so the snapshot starts there and holds."""
    uows = SqlUnitOfWorkFactory(sqlite)
    async with uows(read_only=True) as reader:
        before = (await reader.connection.execute(select(things))).all()
        async with uows() as writer:
            await writer.connection.execute(insert(things).values(name="later"))
        during = (await reader.connection.execute(select(things))).all()
    async with uows(read_only=True) as reader:
        after = (await reader.connection.execute(select(things.c.name))).scalars().all()
    assert (before, during, after) == ([], [], ["later"])


async def test_a_unit_of_work_without_statements_leaves_the_connection_clean(
    sqlite: AsyncEngine,
) -> None:
    uows = SqlUnitOfWorkFactory(sqlite)
    for _ in range(3):  # more than once, so a pooled connection is reused
        async with uows():
            pass
        async with uows(read_only=True):
            pass
    async with uows() as uow:
        await uow.connection.execute(insert(things).values(name="after"))
        raw = await uow.connection.get_raw_connection()
        assert raw.driver_connection is not None
        assert raw.driver_connection._conn.in_transaction
    async with sqlite.connect() as connection:
        names = (await connection.execute(select(things.c.name))).scalars().all()
    assert names == ["after"]
