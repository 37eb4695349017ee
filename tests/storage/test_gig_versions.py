"""The gig repository's optimistic writes, on SQLite and PostgreSQL.

Why here as well as in the service tests: the guarantee rests on the version (and the deleted
guard) being in the UPDATE's WHERE, which PostgreSQL re-checks after waiting for a concurrent
writer; only a test on the repository itself can hold two transactions open at once.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.gig import GigSpec, GigStatus, validate_for_publish
from bot.services.ports import GigRecord, TelegramIdentity
from bot.storage.migrate import upgrade
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.services.money_world import SELLER, gig_draft

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _spec(title: str) -> GigSpec:
    return validate_for_publish(gig_draft().model_copy(update={"title": title}))


async def _setup(engine: AsyncEngine) -> tuple[SqlUnitOfWorkFactory, int]:
    await upgrade(engine)
    uow_factory = SqlUnitOfWorkFactory(engine)
    async with uow_factory() as uow:
        await uow.users.upsert_identity(TelegramIdentity(SELLER, "Sam"), NOW)
        gig_id = await uow.gigs.add(SELLER, _spec("The first title of it"), GigStatus.live, NOW)
    return uow_factory, gig_id


async def _get(uow_factory: SqlUnitOfWorkFactory, gig_id: int) -> GigRecord:
    async with uow_factory(read_only=True) as uow:
        record = await uow.gigs.get(gig_id)
    assert record is not None
    return record


async def test_update_spec_writes_only_over_the_version_it_was_computed_from(
    engine: AsyncEngine,
) -> None:
    uow_factory, gig_id = await _setup(engine)
    async with uow_factory() as uow:
        assert await uow.gigs.update_spec(gig_id, _spec("The second title of it"), NOW, 1)
    async with uow_factory() as uow:  # computed from version 1, which is gone
        assert not await uow.gigs.update_spec(gig_id, _spec("A stale title of it"), NOW, 1)
    record = await _get(uow_factory, gig_id)
    assert (record.version, record.spec.title) == (2, "The second title of it")
    assert len(record.spec.packages) == 2 and len(record.spec.requirements) == 3  # untouched


async def test_a_deleted_gig_is_never_written_again(engine: AsyncEngine) -> None:
    uow_factory, gig_id = await _setup(engine)
    async with uow_factory() as uow:
        assert await uow.gigs.set_status(gig_id, GigStatus.deleted, NOW, 1)
    async with uow_factory() as uow:
        assert not await uow.gigs.set_status(gig_id, GigStatus.live, NOW)
        assert not await uow.gigs.set_status(gig_id, GigStatus.live, NOW, 2)
        assert not await uow.gigs.update_spec(gig_id, _spec("Back from the dead"), NOW, 2)
    record = await _get(uow_factory, gig_id)
    assert (record.status, record.version) == (GigStatus.deleted, 2)
    assert record.spec.title == "The first title of it"


async def test_a_writer_that_waited_for_another_writes_nothing(engine: AsyncEngine) -> None:
    """Two replicas read version 1; the second's UPDATE waits for the first's row lock, then
    finds version 2 and matches nothing instead of writing over it."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite admits one writer at a time: the two cannot overlap")
    uow_factory, gig_id = await _setup(engine)
    async with uow_factory() as second:
        assert (await second.gigs.get(gig_id)) is not None
        async with uow_factory() as first:
            assert (await first.gigs.get(gig_id)) is not None
            assert await first.gigs.set_status(gig_id, GigStatus.deleted, NOW, 1)
            waiting = asyncio.create_task(second.gigs.set_status(gig_id, GigStatus.paused, NOW, 1))
            await asyncio.sleep(0.2)
            assert not waiting.done()  # blocked on the first transaction's row lock
        assert not await waiting  # the first committed: version 2, deleted
    assert (await _get(uow_factory, gig_id)).status is GigStatus.deleted
