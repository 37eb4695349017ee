"""The gig row's filter columns (migration 0009) follow every write, in the writer's transaction.

Straight SQL like the rest of tests/matching: the columns are kept by the database, so no
repository or service is involved, and whatever code changes packages or profiles is covered.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FakeClock
from bot.matching.ports import SearchFilters
from bot.matching.sql_index import SqlSearchIndex
from bot.storage.migrate import upgrade
from bot.storage.tables import gig_packages, gigs, users
from tests.matching.seed import NOW, add_gig, add_user


async def summary(engine: AsyncEngine, gig_id: int) -> tuple[Any, ...]:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(
                    gigs.c.price_from_minor,
                    gigs.c.price_to_minor,
                    gigs.c.fastest_days,
                    gigs.c.seller_languages,
                ).where(gigs.c.id == gig_id)
            )
        ).one()
    return tuple(row)


@pytest.fixture
async def migrated(engine: AsyncEngine) -> AsyncEngine:
    await upgrade(engine)
    await add_user(engine, 1, languages="English, Español")
    return engine


async def test_package_inserts_updates_and_deletes_refresh_the_summary(
    migrated: AsyncEngine,
) -> None:
    gig = await add_gig(migrated, 1, "Logo design", prices=(1000, 3000), days=(7, 2))
    assert await summary(migrated, gig) == (1000, 3000, 2, "english, español")
    async with migrated.begin() as connection:
        await connection.execute(
            update(gig_packages)
            .where(gig_packages.c.gig_id == gig, gig_packages.c.tier == "basic")
            .values(price_minor=500, delivery_days=1)
        )
    assert await summary(migrated, gig) == (500, 3000, 1, "english, español")
    async with migrated.begin() as connection:  # what GigRepository.update_spec does
        await connection.execute(delete(gig_packages).where(gig_packages.c.gig_id == gig))
        await connection.execute(
            insert(gig_packages).values(
                gig_id=gig,
                tier="basic",
                name="Basic",
                description="All of it.",
                price_minor=2500,
                delivery_days=4,
                revisions=1,
            )
        )
    assert (await summary(migrated, gig))[:3] == (2500, 2500, 4)


async def test_a_profile_language_change_reaches_the_sellers_gigs(migrated: AsyncEngine) -> None:
    gig = await add_gig(migrated, 1, "Logo design")
    index = SqlSearchIndex(migrated, FakeClock(NOW))
    assert (await index.search("logo", SearchFilters(language="german"))).gig_ids == []
    async with migrated.begin() as connection:
        await connection.execute(update(users).where(users.c.id == 1).values(languages="German"))
    assert (await summary(migrated, gig))[3] == "german"
    assert (await index.search("logo", SearchFilters(language="German"))).gig_ids == [gig]
