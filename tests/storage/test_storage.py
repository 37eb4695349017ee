"""Storage on SQLite and PostgreSQL: migrations, atomic units of work, concurrent writers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.ports import NewNotification, TelegramIdentity, UpdateClaim
from bot.storage.migrate import current_revision, head_revision, upgrade
from bot.storage.tables import SEARCH_INDEX_COLUMNS, metadata, outbox, users
from bot.storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Boom(Exception):
    pass


async def test_migrations_from_empty_to_head_create_every_table(engine: AsyncEngine) -> None:
    assert await current_revision(engine) is None
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()

    def table_names(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    async with engine.connect() as connection:
        names = await connection.run_sync(table_names)
    assert set(metadata.tables) <= names
    await upgrade(engine)  # idempotent: already at head
    assert await current_revision(engine) == head_revision()


async def test_migrated_columns_match_the_table_definitions(engine: AsyncEngine) -> None:
    await upgrade(engine)

    def columns(connection: Connection) -> dict[str, set[str]]:
        inspector = inspect(connection)
        return {name: {c["name"] for c in inspector.get_columns(name)} for name in metadata.tables}

    async with engine.connect() as connection:
        migrated = await connection.run_sync(columns)
    # The search index's dialect-specific parts (migration 0004: the generated tsvector column
    # on PostgreSQL) cannot be declared in Core tables; only they are left out. SQLite's FTS5
    # table and its shadow tables are not in `metadata`, so this loop never looks at them.
    search_only = SEARCH_INDEX_COLUMNS.get(engine.dialect.name, {})
    for name, table in metadata.tables.items():
        assert migrated[name] - search_only.get(name, frozenset()) == {
            c.name for c in table.columns
        }, name


async def test_a_unit_of_work_that_raises_leaves_nothing_behind(engine: AsyncEngine) -> None:
    await upgrade(engine)
    uow_factory = SqlUnitOfWorkFactory(engine)
    with pytest.raises(Boom):
        async with uow_factory() as uow:
            await uow.users.upsert_identity(TelegramIdentity(1, "Ann"), NOW)
            await uow.outbox.add(NewNotification(chat_id=1, kind="hello"), NOW)
            raise Boom
    async with engine.connect() as connection:
        assert (await connection.execute(select(users))).all() == []
        assert (await connection.execute(select(outbox))).all() == []


async def test_a_clean_unit_of_work_commits_and_reads_back_aware_times(
    engine: AsyncEngine,
) -> None:
    await upgrade(engine)
    uow_factory = SqlUnitOfWorkFactory(engine)
    async with uow_factory() as uow:
        await uow.users.upsert_identity(TelegramIdentity(7, "Bo", "bo", "de"), NOW)
        await uow.outbox.add(NewNotification(chat_id=7, kind="hello", payload={"n": 1}), NOW)
    async with uow_factory(read_only=True) as uow:
        profile = await uow.users.get(7)
        due = await uow.outbox.claim_due(NOW, limit=10)
    assert profile is not None and profile.language_code == "de"
    assert [(m.chat_id, m.kind, dict(m.payload)) for m in due] == [(7, "hello", {"n": 1})]
    assert due[0].created_at == NOW and due[0].created_at.tzinfo is not None


async def test_outbox_dedupe_key_queues_a_notification_once(engine: AsyncEngine) -> None:
    await upgrade(engine)
    uow_factory = SqlUnitOfWorkFactory(engine)
    async with uow_factory() as uow:
        queued = await uow.outbox.add(NewNotification(1, "paid", dedupe_key="order:1:paid"), NOW)
        requeued = await uow.outbox.add(NewNotification(1, "paid", dedupe_key="order:1:paid"), NOW)
        pending = await uow.outbox.pending_count()
    assert (queued, requeued, pending) == (True, False, 1)


async def test_update_claims_across_replicas(engine: AsyncEngine) -> None:
    """New once; busy while a fresh claim is held; taken over after the lease; done after."""
    await upgrade(engine)
    uow_factory = SqlUnitOfWorkFactory(engine)
    lease = timedelta(minutes=2)
    async with uow_factory() as uow:
        first = await uow.updates.claim(1001, NOW, lease)
        while_held = await uow.updates.claim(1001, NOW + timedelta(seconds=30), lease)
        after_a_crash = await uow.updates.claim(1001, NOW + timedelta(minutes=3), lease)
        assert not await uow.updates.seen(1001)
        await uow.updates.finish(1001, NOW + timedelta(minutes=3))
        redelivered = await uow.updates.claim(1001, NOW + timedelta(minutes=4), lease)
        assert await uow.updates.seen(1001)
    assert (first, while_held, after_a_crash, redelivered) == (
        UpdateClaim.NEW,
        UpdateClaim.BUSY,
        UpdateClaim.NEW,
        UpdateClaim.DONE,
    )


async def test_concurrent_claims_of_one_update_give_it_to_one_replica(
    engine: AsyncEngine,
) -> None:
    await upgrade(engine)
    uow_factory = SqlUnitOfWorkFactory(engine)

    async def claim() -> UpdateClaim:
        async with uow_factory() as uow:
            return await uow.updates.claim(77, NOW, timedelta(minutes=2))

    outcomes = await asyncio.gather(*(claim() for _ in range(5)))
    assert sorted(outcomes) == sorted([UpdateClaim.NEW] + [UpdateClaim.BUSY] * 4)


async def test_two_concurrent_writers_both_succeed(engine: AsyncEngine) -> None:
    """No "database is locked": BEGIN IMMEDIATE plus the busy timeout serialises writers."""
    await upgrade(engine)
    uow_factory = SqlUnitOfWorkFactory(engine)

    async def writer(user_id: int) -> None:
        for round_ in range(10):
            async with uow_factory() as uow:
                await uow.users.upsert_identity(TelegramIdentity(user_id, f"U{round_}"), NOW)
                await uow.outbox.add(NewNotification(user_id, f"k{round_}"), NOW)
                await asyncio.sleep(0)  # hand the loop to the other writer mid-transaction

    await asyncio.gather(writer(1), writer(2))
    async with uow_factory(read_only=True) as uow:
        assert await uow.outbox.pending_count() == 20
        first, second = await uow.users.get(1), await uow.users.get(2)
    assert first is not None and first.first_name == "U9"
    assert second is not None and second.first_name == "U9"


async def test_the_outbox_listener_hears_only_commits_that_queued_notifications(
    engine: AsyncEngine,
) -> None:
    """The sender is woken after a commit with new outbox rows, never for a rollback, a
    duplicate (dedupe key) or a unit of work that queued nothing."""
    await upgrade(engine)
    uow_factory = SqlUnitOfWorkFactory(engine)
    heard: list[str] = []
    uow_factory.after_notifications = lambda: heard.append("woken")
    async with uow_factory() as uow:
        await uow.outbox.add(NewNotification(1, "paid", dedupe_key="order:1:paid"), NOW)
    assert heard == ["woken"]
    async with uow_factory() as uow:
        await uow.users.upsert_identity(TelegramIdentity(1, "Ann"), NOW)
    async with uow_factory() as uow:
        await uow.outbox.add(NewNotification(1, "paid", dedupe_key="order:1:paid"), NOW)
    with pytest.raises(Boom):
        async with uow_factory() as uow:
            await uow.outbox.add(NewNotification(1, "other"), NOW)
            raise Boom
    assert heard == ["woken"]


async def test_saving_progress_twice_keeps_the_latest(engine: AsyncEngine) -> None:
    await upgrade(engine)
    uow_factory = SqlUnitOfWorkFactory(engine)
    for step in ("title", "category"):
        async with uow_factory() as uow:
            await uow.persistence.save("progress", "7", {"step": step}, NOW)
    async with uow_factory(read_only=True) as uow:
        assert await uow.persistence.get("progress", "7") == {"step": "category"}
        assert await uow.persistence.get("progress", "8") is None
