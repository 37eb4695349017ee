"""Group posting when two replicas act on one chat at once (PostgreSQL, READ COMMITTED).

Each test runs two service calls concurrently, each in its own unit of work, and holds both
right after one chosen repository read until the other has made the same read (or a short
patience ran out, which is what happens when the other is waiting on a row lock). That makes
the interleaving that loses a change or doubles a post happen every time instead of by luck.
On SQLite writers are serialised, so the patience runs out and the calls simply take turns:
the tests still pass there, and check the same outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.gig import Category
from bot.domain.groups import ChatRules, ChatStatus, PostingMode, PostKind
from bot.services.groups.broadcast import BroadcastService, plan_gig_published
from bot.services.groups.ports import GroupChat, GroupRepository
from bot.services.groups.subscriptions import GroupService
from bot.storage.tables import group_posts
from bot.storage.uow import SqlUnitOfWork
from tests.services.money_world import ADMIN, MoneyWorld

CHAT = -100_777


class _Admins:
    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        return True


class _Meeting:
    """Holds its first two arrivals until both came, at most `patience` seconds; only once."""

    def __init__(self, patience: float = 0.3) -> None:
        self._patience = patience
        self._arrived = 0
        self._open = asyncio.Event()

    async def arrive(self) -> None:
        if self._open.is_set():
            return
        self._arrived += 1
        if self._arrived < 2:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._open.wait(), self._patience)
        self._open.set()


class _PausingGroups:
    """The real repository, with a meeting after each call of `method`."""

    def __init__(self, inner: GroupRepository, method: str, meeting: _Meeting) -> None:
        self._inner = inner
        self._method = method
        self._meeting = meeting

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name != self._method:
            return attribute

        async def paused(*args: Any, **kwargs: Any) -> Any:
            result = await attribute(*args, **kwargs)
            await self._meeting.arrive()
            return result

        return paused


class _PausingUnitOfWork(SqlUnitOfWork):
    def __init__(self, world: MoneyWorld, method: str, meeting: _Meeting, read_only: bool):
        # No in-process write queue: two replicas are two processes, each with its own.
        super().__init__(world.engine, read_only=read_only)
        self._method = method
        self._meeting = meeting

    def _bind(self, connection: AsyncConnection) -> None:
        super()._bind(connection)
        self.groups = cast(
            GroupRepository, _PausingGroups(self.groups, self._method, self._meeting)
        )


def _replicas(world: MoneyWorld, method: str) -> Callable[..., SqlUnitOfWork]:
    """A unit-of-work factory whose write units of work meet after `groups.<method>`."""
    meeting = _Meeting()

    def open_uow(*, read_only: bool = False) -> SqlUnitOfWork:
        if read_only:
            return world.uow(read_only=True)
        return _PausingUnitOfWork(world, method, meeting, read_only)

    return open_uow


async def _chat(world: MoneyWorld, rules: ChatRules) -> None:
    async with world.uow() as uow:
        await uow.groups.joined(CHAT, "Designers", "supergroup", ADMIN, world.clock.now())
        await uow.groups.save_rules(CHAT, rules, world.clock.now())
        await uow.groups.set_status(CHAT, ChatStatus.active, world.clock.now())


async def _posts(world: MoneyWorld, kind: PostKind | None = None) -> int:
    query = select(func.count()).select_from(group_posts).where(group_posts.c.chat_id == CHAT)
    if kind is not None:
        query = query.where(group_posts.c.kind == kind.value)
    async with world.engine.connect() as connection:
        return int(await connection.scalar(query) or 0)


async def _read(world: MoneyWorld) -> GroupChat:
    async with world.uow(read_only=True) as uow:
        chat = await uow.groups.get(CHAT)
    assert chat is not None
    return chat


async def test_two_replicas_sweeping_at_once_post_one_digest(world: MoneyWorld) -> None:
    await _chat(world, ChatRules(mode=PostingMode.digest, digest_hour=8))
    await world.add_gig()
    world.clock.advance(timedelta(minutes=5))
    factory = _replicas(world, "get")
    services = [
        BroadcastService(
            factory, world.clock, GroupService(factory, world.clock, _Admins(), "USD"), "USD"
        )
        for _ in range(2)
    ]
    posted = await asyncio.gather(*(service.digest_sweep() for service in services))
    assert sorted(posted) == [0, 1]
    assert await _posts(world, PostKind.digest) == 1
    assert (await _read(world)).last_digest_day == world.clock.now().date().isoformat()


async def test_two_admins_changing_rules_at_once_both_take_effect(world: MoneyWorld) -> None:
    await _chat(world, ChatRules())
    factory = _replicas(world, "get")
    groups = [GroupService(factory, world.clock, _Admins(), "USD") for _ in range(2)]
    await asyncio.gather(
        groups[0].change(CHAT, ADMIN, "cat", Category.graphics_design.value),
        groups[1].change(CHAT, ADMIN, "promo", ""),
    )
    rules = (await _read(world)).rules
    assert rules.categories == {Category.graphics_design}
    assert rules.allow_promotions


async def test_concurrent_instant_posts_keep_the_daily_limit(world: MoneyWorld) -> None:
    await _chat(world, ChatRules(max_posts_per_day=1))
    gigs = [await world.add_gig(), await world.add_gig()]
    factory = _replicas(world, "posts_on")

    async def publish(gig_id: int) -> int:
        async with factory() as uow:
            return await plan_gig_published(uow, gig_id, world.clock.now(), "USD")

    queued = await asyncio.gather(*(publish(gig_id) for gig_id in gigs))
    assert sorted(queued) == [0, 1]
    assert await _posts(world) == 1
