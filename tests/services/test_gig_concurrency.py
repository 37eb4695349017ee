"""Gig edits, pauses and deletes racing each other, as two replicas on PostgreSQL would.

Why a hold: two replicas interleave as "both read the gig, one writes and commits, then the
other writes". `hold_after_read` makes one call wait right after its first read of the gig
until the other call has finished, which is exactly that interleaving on PostgreSQL. On SQLite
the process's writers queue, so the held call keeps the queue and the wait runs out after a
moment: the calls run one after the other, and the tests check the same outcome there.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Iterator
from contextvars import ContextVar
from datetime import datetime
from typing import TypeVar

import pytest

from bot.domain.gig import GigStatus, PackageTier
from bot.domain.limits import GigLimits
from bot.services.gigs.catalog import GigCard, GigChangedMeanwhile, GigGone, GigService
from bot.services.gigs.edit_lists import QUESTIONS, GigListEditing
from bot.services.gigs.steps import ChoiceAnswer, TextAnswer
from bot.services.ports import GigRecord, UnitOfWork
from bot.services.progress import ProgressStore
from bot.storage.repositories.gigs import SqlGigRepository
from tests.services.money_world import SELLER, MoneyWorld

T = TypeVar("T")

#: How long a held call waits for the other one at most (it never comes on SQLite).
HOLD_SECONDS = 0.3
NEW_TITLE = "I will draw a bold vector mascot"

_hold: ContextVar[asyncio.Event | None] = ContextVar("hold", default=None)


@pytest.fixture
def hold_after_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = SqlGigRepository.get

    async def get(self: SqlGigRepository, gig_id: int) -> GigRecord | None:
        record = await original(self, gig_id)
        until = _hold.get()
        if until is not None:
            _hold.set(None)  # only the first read: the one the change is computed from
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(until.wait(), HOLD_SECONDS)
        return record

    monkeypatch.setattr(SqlGigRepository, "get", get)
    yield


async def _held_until(other_done: asyncio.Event, call: Awaitable[T]) -> T:
    _hold.set(other_done)  # this task's context only
    return await call


async def _then_signal(done: asyncio.Event, call: Awaitable[T]) -> T:
    try:
        return await call
    finally:
        done.set()


def _service(world: MoneyWorld, changes: list[str]) -> GigService:
    gigs = GigService(world.uow, world.clock, GigLimits())

    async def listen(_uow: UnitOfWork, _gig_id: int, _now: datetime, change: str) -> None:
        changes.append(change)

    gigs.listeners.append(listen)
    return gigs


async def _record(world: MoneyWorld, gig_id: int) -> GigRecord:
    async with world.uow(read_only=True) as uow:
        record = await uow.gigs.get(gig_id)
    assert record is not None
    return record


async def test_concurrent_edits_of_two_fields_lose_neither(
    world: MoneyWorld, hold_after_read: None
) -> None:
    changes: list[str] = []
    gigs = _service(world, changes)
    gig = await world.add_gig(price=2000)
    price_saved = asyncio.Event()
    title, price = await asyncio.gather(
        _held_until(price_saved, gigs.edit(SELLER, gig, "title", NEW_TITLE)),
        _then_signal(price_saved, gigs.edit(SELLER, gig, "pkg_price", "35", PackageTier.basic)),
        return_exceptions=True,
    )
    assert isinstance(price, GigCard), price
    # The title edit read the gig before the price was saved: saved on top of it, or refused.
    assert isinstance(title, GigCard | GigChangedMeanwhile), title
    record = await _record(world, gig)
    basic = record.spec.package(PackageTier.basic)
    assert basic is not None and basic.price.amount_minor == 3500  # never silently undone
    title_saved = isinstance(title, GigCard)
    assert (record.spec.title == NEW_TITLE) is title_saved
    assert record.version == 1 + 1 + title_saved
    assert sorted(changes) == sorted(["price", *(["edited"] if title_saved else [])])


async def test_resume_racing_delete_never_brings_the_gig_back(
    world: MoneyWorld, hold_after_read: None
) -> None:
    changes: list[str] = []
    gigs = _service(world, changes)
    gig = await world.add_gig()
    await gigs.set_paused(SELLER, gig, True)
    deleted = asyncio.Event()
    resumed, title = await asyncio.gather(
        _held_until(deleted, gigs.set_paused(SELLER, gig, False)),
        _then_signal(deleted, gigs.delete(SELLER, gig)),
        return_exceptions=True,
    )
    assert title == "I will design a modern minimalist logo", title
    # The resume read the gig as paused before it was deleted: done before it, or refused.
    assert isinstance(resumed, GigCard | GigGone), resumed
    assert (await _record(world, gig)).status is GigStatus.deleted
    assert changes[-1] == "deleted"
    with pytest.raises(GigGone):
        await gigs.set_paused(SELLER, gig, False)


async def test_double_tapped_pause_pauses_once(world: MoneyWorld, hold_after_read: None) -> None:
    changes: list[str] = []
    gigs = _service(world, changes)
    gig = await world.add_gig()
    other_done = asyncio.Event()
    first, second = await asyncio.gather(
        _held_until(other_done, gigs.set_paused(SELLER, gig, True)),
        _then_signal(other_done, gigs.set_paused(SELLER, gig, True)),
    )
    assert first.status is second.status is GigStatus.paused
    assert changes == ["paused"]  # group posts are edited once, not once per tap
    assert (await _record(world, gig)).version == 2


async def test_an_edit_of_a_gig_deleted_meanwhile_says_it_is_gone(
    world: MoneyWorld, hold_after_read: None
) -> None:
    changes: list[str] = []
    gigs = _service(world, changes)
    gig = await world.add_gig()
    deleted = asyncio.Event()
    edited, _title = await asyncio.gather(
        _held_until(deleted, gigs.edit(SELLER, gig, "title", NEW_TITLE)),
        _then_signal(deleted, gigs.delete(SELLER, gig)),
        return_exceptions=True,
    )
    assert isinstance(edited, GigCard | GigGone), edited
    record = await _record(world, gig)
    assert record.status is GigStatus.deleted
    assert (record.spec.title == NEW_TITLE) is isinstance(edited, GigCard)
    assert changes[-1] == "deleted"  # no "edited" for group posts of a gig already deleted


def _lists(world: MoneyWorld, gigs: GigService) -> tuple[GigListEditing, ProgressStore]:
    progress = ProgressStore(world.uow, world.clock)
    return GigListEditing(progress, gigs), progress


async def test_double_tapped_remove_removes_one_question(world: MoneyWorld) -> None:
    gigs = _service(world, [])
    lists, _progress = _lists(world, gigs)
    gig = await world.add_gig()
    card, questions = await lists.items(SELLER, gig, QUESTIONS)
    assert [q.question for q in questions] == ["Brand name?", "Style?", "Anything else?"]
    # Both taps carry the same button: position 0 of the list drawn at `card.version`.
    await lists.remove(SELLER, gig, QUESTIONS, 0, card.version)
    with pytest.raises(GigChangedMeanwhile):
        await lists.remove(SELLER, gig, QUESTIONS, 0, card.version)
    record = await _record(world, gig)
    assert [r.question for r in record.spec.requirements] == ["Style?", "Anything else?"]


async def test_changing_a_question_that_moved_meanwhile_changes_nothing(
    world: MoneyWorld,
) -> None:
    gigs = _service(world, [])
    lists, progress = _lists(world, gigs)
    gig = await world.add_gig()
    await lists.begin(SELLER, gig, QUESTIONS, 1)  # change "Style?"...
    await lists.remove(SELLER, gig, QUESTIONS, 0)  # ...while another device removes the first
    for answer in (TextAnswer("Which style do you like?"), ChoiceAnswer("text")):
        current = await progress.get(SELLER)
        assert current is not None
        await lists.answer(SELLER, current, answer)
    current = await progress.get(SELLER)
    assert current is not None
    with pytest.raises(GigChangedMeanwhile):  # position 1 now holds "Anything else?"
        await lists.answer(SELLER, current, ChoiceAnswer("yes"))
    record = await _record(world, gig)
    assert [r.question for r in record.spec.requirements] == ["Style?", "Anything else?"]
    assert await progress.get(SELLER) is not None  # the answers are kept: Cancel, or start over
