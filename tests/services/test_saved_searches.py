"""Followed searches and the daily digest against SQLite and the real search index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain.gig import Category, GigStatus
from bot.errors import NotAllowed, ValidationFailed
from bot.matching.ports import SearchFilters
from bot.matching.sql_index import SqlSearchIndex
from bot.services.requests.saved_searches import (
    DIGEST_KIND,
    SavedSearchService,
    filters_from_json,
    filters_to_json,
)
from tests.services.money_world import BUYER, SELLER, MoneyWorld
from tests.services.test_briefs import add_seller

NEXT_MORNING = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)  # the fake clock starts 2026-01-05 09:00


def saved(world: MoneyWorld) -> SavedSearchService:
    return SavedSearchService(world.uow, SqlSearchIndex(world.engine, world.clock), world.clock)


async def digests(world: MoneyWorld) -> list[dict[str, Any]]:
    async with world.uow(read_only=True) as uow:
        due = await uow.outbox.claim_due(world.clock.now(), 1000)
    return [dict(m.payload) for m in due if m.kind == DIGEST_KIND]


async def test_digest_sends_a_new_matching_gig_once(world: MoneyWorld) -> None:
    service = saved(world)
    old = await add_seller(world, SELLER)  # published before the follow: not new
    await service.follow(BUYER, "logo", SearchFilters())
    world.clock.advance(timedelta(hours=2))
    new = await add_seller(world, SELLER, title="I will draw a playful mascot logo for you")
    await add_seller(  # new, but another category and no "logo"
        world,
        SELLER,
        title="I will translate your website into German",
        category=Category.writing_translation,
        tags=("translation",),
        description="Careful human translation of your pages, checked by a native speaker.",
    )
    await add_seller(world, BUYER, title="I will draw a logo as the buyer myself")  # own gig
    await add_seller(world, SELLER, status=GigStatus.paused, title="I will design a paused logo")
    assert await service.send_digests() == 0  # not 9:00 yet
    world.clock.set(NEXT_MORNING)
    assert await service.send_digests() == 1
    sent = await digests(world)
    assert [g["id"] for g in sent[0]["gigs"]] == [new]
    assert old not in [g["id"] for g in sent[0]["gigs"]]
    assert await service.send_digests() == 0  # same morning: nothing twice
    world.clock.advance(timedelta(days=1))
    assert await service.send_digests() == 0  # the next day: nothing new, no message
    assert len(await digests(world)) == 1


async def test_digest_follows_the_users_time_zone(world: MoneyWorld) -> None:
    async with world.uow() as uow:
        await uow.users.update_profile(BUYER, world.clock.now(), timezone="America/New_York")
    service = saved(world)
    await service.follow(BUYER, "", SearchFilters(category=Category.graphics_design))
    world.clock.advance(timedelta(hours=1))
    await add_seller(world, SELLER)
    world.clock.set(datetime(2026, 1, 5, 13, 59, tzinfo=UTC))  # 08:59 in New York (EST)
    assert await service.send_digests() == 0
    world.clock.set(datetime(2026, 1, 5, 14, 0, tzinfo=UTC))  # 09:00 in New York
    assert await service.send_digests() == 1


async def test_at_most_ten_gigs_and_stop(world: MoneyWorld) -> None:
    service = saved(world)
    followed = await service.follow(BUYER, "logo", SearchFilters())
    again = await service.follow(BUYER, "  LOGO ", SearchFilters())
    assert again.id == followed.id  # one row per search
    world.clock.advance(timedelta(hours=1))
    for _ in range(12):
        await add_seller(world, SELLER)
    world.clock.set(NEXT_MORNING)
    await service.send_digests()
    assert len((await digests(world))[0]["gigs"]) == 10
    with pytest.raises(NotAllowed):  # a forged Stop: someone else's search
        await service.stop(SELLER, followed.id)
    await service.stop(BUYER, followed.id)
    assert await service.following(BUYER) == []
    world.clock.advance(timedelta(hours=1))
    await add_seller(world, SELLER)
    world.clock.advance(timedelta(days=1))
    assert await service.send_digests() == 0


async def test_follow_needs_words_or_a_filter_and_filters_round_trip(world: MoneyWorld) -> None:
    with pytest.raises(ValidationFailed):
        await saved(world).follow(BUYER, "  ", SearchFilters())
    filters = SearchFilters(category=Category.data, budget_max_minor=5000)
    assert filters_from_json(filters_to_json(filters)) == filters
    assert filters_from_json({"category": "nonsense", "unknown": 1}) == SearchFilters()
