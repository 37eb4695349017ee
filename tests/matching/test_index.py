"""The search index on SQLite (FTS5) and PostgreSQL (tsvector): matching, sync, filters, sorts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FakeClock
from bot.domain.gig import Category
from bot.domain.levels import SellerLevel
from bot.matching.ports import SearchFilters, SortOrder
from bot.matching.sql_index import SqlSearchIndex
from bot.storage.migrate import upgrade
from bot.storage.tables import gigs
from tests.matching.seed import BUYER, NOW, add_gig, add_track_record, add_user, remove_gig, set_gig

LOGO = "Minimalist logo design for your brand"
WEB = "Responsive website built with modern tools"


@pytest.fixture
async def index(engine: AsyncEngine) -> SqlSearchIndex:
    await upgrade(engine)
    for user_id in (BUYER, 1, 2, 3):
        await add_user(engine, user_id, languages="English, Spanish" if user_id == 2 else None)
    return SqlSearchIndex(engine, FakeClock(NOW))


async def ids(index: SqlSearchIndex, text: str, **kwargs: object) -> list[int]:
    return (await index.search(text, **kwargs)).gig_ids  # type: ignore[arg-type]


async def test_finds_by_title_tag_and_description_words_title_first(
    engine: AsyncEngine, index: SqlSearchIndex
) -> None:
    by_title = await add_gig(engine, 1, LOGO)
    by_tag = await add_gig(engine, 1, "Brand identity pack for startups", tags="logo,vector")
    by_text = await add_gig(
        engine, 1, "Business cards printed fast", description="Includes a logo refresh too."
    )
    await add_gig(engine, 1, WEB)
    assert await ids(index, "logo") == [by_title, by_tag, by_text]
    assert await ids(index, "vector") == [by_tag]
    assert await ids(index, "refresh") == [by_text]


async def test_prefix_of_the_last_word_and_word_forms(
    engine: AsyncEngine, index: SqlSearchIndex
) -> None:
    logo = await add_gig(engine, 1, LOGO)
    web = await add_gig(engine, 1, WEB)
    assert await ids(index, "desig") == [logo]  # still typing
    assert await ids(index, "minimalist lo") == [logo]
    assert await ids(index, "logos") == [logo]  # plural
    assert await ids(index, "designing") == [logo]  # word form
    assert await ids(index, "building websites") == [web]
    assert await ids(index, "d") == []  # one letter is a whole word, not a prefix


async def test_words_that_match_nothing_together_fall_back_to_any_word(
    engine: AsyncEngine, index: SqlSearchIndex
) -> None:
    logo = await add_gig(engine, 1, LOGO)
    page = await index.search("logo zebra")
    assert (page.gig_ids, page.relaxed) == ([logo], True)
    assert (await index.search("logo brand")).relaxed is False


@pytest.mark.parametrize(
    "nasty",
    [
        '"',
        '"logo',
        "logo*",
        "*",
        "(logo OR",
        ")",
        "NEAR(logo design)",
        "logo AND NOT design",
        "-logo",
        "^logo",
        "title:logo",
        "{title tags}: logo",
        "logo'; DROP TABLE gigs; --",
        "' OR 1=1 --",
        "logo & | ! <-> :*",
        "\\x00\x00 logo",
        "🎨 logo ✨",
        "",
        "   ",
        "%_%",
        "a" * 500,
    ],
)
async def test_special_characters_never_break_the_query(
    engine: AsyncEngine, index: SqlSearchIndex, nasty: str
) -> None:
    logo = await add_gig(engine, 1, LOGO)
    found = await ids(index, nasty)
    if "logo" in nasty.casefold():
        assert logo in found
    assert await ids(index, "logo") == [logo]  # the table is still there


async def test_only_live_gigs_ever_appear_and_changes_follow_at_once(
    engine: AsyncEngine, index: SqlSearchIndex
) -> None:
    live = await add_gig(engine, 1, LOGO)
    await add_gig(engine, 1, "Logo sketches draft not published", status="draft")
    paused = await add_gig(engine, 1, "Logo animation for intros", status="paused")
    await add_gig(engine, 1, "Logo vector tracing service", status="deleted")
    assert await ids(index, "logo") == [live]
    assert await ids(index, "") == [live]  # browsing without words too

    await set_gig(engine, live, status="paused")
    await set_gig(engine, paused, status="live")
    assert await ids(index, "logo") == [paused]
    await set_gig(engine, paused, title="Intro animation for channels")  # an edit
    assert await ids(index, "logo") == []
    assert await ids(index, "intro animation") == [paused]
    await set_gig(engine, paused, version=2)  # unrelated column: index untouched
    assert await ids(index, "channels") == [paused]
    await set_gig(engine, paused, status="deleted")
    assert await ids(index, "intro") == []
    await set_gig(engine, live, status="live")
    await remove_gig(engine, live)  # a hard delete
    assert await ids(index, "") == []


async def test_the_index_changes_in_the_writers_transaction(
    engine: AsyncEngine, index: SqlSearchIndex
) -> None:
    live = await add_gig(engine, 1, LOGO)

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with engine.begin() as connection:
            await connection.execute(update(gigs).where(gigs.c.id == live).values(status="paused"))
            raise Boom
    assert await ids(index, "logo") == [live]


async def test_filters(engine: AsyncEngine, index: SqlSearchIndex) -> None:
    cheap_slow = await add_gig(engine, 1, "Logo design cheap", prices=(800,), days=(10,))
    mid = await add_gig(engine, 2, "Logo design middle", prices=(2000, 5000), days=(5, 2))
    euro = await add_gig(engine, 1, "Logo design in euros", currency="EUR", prices=(3000,))
    music = await add_gig(
        engine, 3, "Logo jingle for podcasts", category="music_audio", prices=(1500,)
    )

    async def found(**filters: object) -> set[int]:
        return set(await ids(index, "logo", filters=SearchFilters(**filters)))  # type: ignore[arg-type]

    assert await found(category=Category.music_audio) == {music}
    assert await found(currency="EUR") == {euro}
    assert await found(currency="USD", budget_max_minor=1000) == {cheap_slow}
    assert await found(currency="USD", budget_min_minor=4000) == {mid}
    assert await found(max_delivery_days=2) == {mid}  # its second package is fast enough
    # one package must satisfy budget and delivery together
    assert await found(currency="USD", budget_max_minor=2500, max_delivery_days=2) == set()
    assert await found(language="spanish") == {mid}
    assert await found(language="%") == set()

    await add_track_record(engine, 2, mid, [5] * 30)
    await add_track_record(engine, 3, music, [3] * 6)
    assert await found(min_rating=4.6) == {mid}
    assert await found(seller_level=SellerLevel.level_two) == {mid}
    assert await found(seller_level=SellerLevel.new) == {cheap_slow, mid, euro, music}


async def test_each_sort_order(engine: AsyncEngine, index: SqlSearchIndex) -> None:
    old_cheap = await add_gig(engine, 1, "Logo design basic", prices=(600,), age=timedelta(90))
    new_dear = await add_gig(engine, 2, "Logo design premium", prices=(9000,), age=timedelta(1))
    rated = await add_gig(engine, 3, "Logo design studio", prices=(3000,), age=timedelta(30))
    await add_track_record(engine, 3, rated, [5] * 40)

    assert await ids(index, "logo", sort=SortOrder.price) == [old_cheap, rated, new_dear]
    assert await ids(index, "logo", sort=SortOrder.newest) == [new_dear, rated, old_cheap]
    assert (await ids(index, "logo", sort=SortOrder.rating))[0] == rated
    assert (await ids(index, "logo", sort=SortOrder.best))[0] == rated
    assert await ids(index, "", sort=SortOrder.price) == [old_cheap, rated, new_dear]


async def test_paging_and_totals(engine: AsyncEngine, index: SqlSearchIndex) -> None:
    made = [await add_gig(engine, 1, f"Logo design number {n}") for n in range(7)]
    first = await index.search("logo", sort=SortOrder.newest, limit=3)
    rest = await index.search("logo", sort=SortOrder.newest, limit=3, offset=3)
    last = await index.search("logo", sort=SortOrder.newest, limit=3, offset=6)
    assert first.total == 7
    assert first.gig_ids + rest.gig_ids + last.gig_ids == sorted(made, reverse=True)


async def test_more_like_this(engine: AsyncEngine, index: SqlSearchIndex) -> None:
    logo = await add_gig(engine, 1, LOGO, tags="logo,branding")
    similar = await add_gig(engine, 2, "Vintage logo for craft brands", tags="logo,vintage")
    await add_gig(engine, 3, WEB, tags="website")
    await add_gig(engine, 2, "Logo redraw paused", status="paused")
    assert (await index.more_like_this(logo)).gig_ids == [similar]
    assert (await index.more_like_this(99_999)).gig_ids == []


async def test_accents_are_ignored_on_sqlite(engine: AsyncEngine, index: SqlSearchIndex) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's english configuration keeps accents (no unaccent extension)")
    cafe = await add_gig(engine, 1, "Menu design for your café and bistro")
    assert await ids(index, "cafe") == [cafe]
    assert await ids(index, "café") == [cafe]


async def test_filters_check_at_most_the_newest_scan_matches_on_sqlite(
    engine: AsyncEngine, index: SqlSearchIndex
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the scan bound is FTS5's (PostgreSQL's GIN has no newest-first order)")
    fast = await add_gig(engine, 1, LOGO, days=(1,), age=timedelta(days=9))
    newer = [await add_gig(engine, 1, LOGO, days=(5,), age=timedelta(days=n)) for n in (3, 2)]
    bounded = SqlSearchIndex(engine, FakeClock(NOW), candidate_cap=1, window=1, scan=2)
    quick = SearchFilters(max_delivery_days=1)
    # the one fast gig is the third newest match: beyond a scan of 2, within the default
    assert (await bounded.search("logo", quick)).gig_ids == []
    assert await ids(index, "logo", filters=quick) == [fast]
    # without filters nothing is bounded but the window itself
    assert (await bounded.search("logo")).gig_ids == [newer[-1]]
