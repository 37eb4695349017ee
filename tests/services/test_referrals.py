"""Group referral shares at the service level: which chat may be credited, at which rate, and
the operator's settlement (once, under a double tap). The `world` fixture checks the books."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.groups import ChatStatus, PostKind, referral_account
from bot.domain.money import Money
from bot.errors import Conflict, NotAllowed, NotFound
from bot.services.groups.ports import NewGroupPost
from bot.services.groups.referrals import ReferralService
from bot.services.groups.subscriptions import GroupService
from tests.services.money_world import ADMIN, BUYER, SELLER, MoneyWorld
from tests.services.order_life import Life

CHAT, OTHER_CHAT = -1001, -1002


class EveryoneAdmin:
    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        return True


async def referral(world: MoneyWorld, chat_id: int = CHAT) -> int:
    async with world.uow(read_only=True) as uow:
        return await uow.ledger.balance(referral_account(chat_id), "USD")


async def chat_with_post(world: MoneyWorld, gig_id: int | None, chat_id: int = CHAT) -> None:
    """A chat the bot joined and, when `gig_id` is given, posted that gig in (sent)."""
    now = world.clock.now()
    async with world.uow() as uow:
        await uow.groups.joined(chat_id, f"Chat {chat_id}", "supergroup", None, now)
        await uow.groups.set_status(chat_id, ChatStatus.active, now)
        if gig_id is not None:
            post = NewGroupPost(chat_id, PostKind.manual, "2026-01-01", gig_id, (gig_id,), now)
            post_id = await uow.groups.add_post(post)
            assert post_id is not None
            await uow.groups.post_sent(post_id, 77, now)


def with_referral(world: MoneyWorld, bps: int) -> None:
    world.rewire(group_referral_bps=bps)


async def completed(world: MoneyWorld, gig_id: int, source: int | None, key: str = "k1") -> int:
    order = await world.place(gig_id, key, source_chat_id=source)
    await world.payments.confirm_payment(world.payment(order))
    life = Life.of(world)
    await life.delivery.deliver(order.id, SELLER, [{"kind": "text", "text": "Done"}])
    await life.delivery.approve(order.id, BUYER)
    return order.id


async def test_the_share_is_frozen_when_the_order_is_placed(world: MoneyWorld) -> None:
    gig_id = await world.add_gig()
    await chat_with_post(world, gig_id)
    with_referral(world, 1000)
    order = await world.place(gig_id, source_chat_id=CHAT)
    assert (order.source_chat_id, order.referral_bps) == (CHAT, 1000)
    await world.payments.confirm_payment(world.payment(order))
    with_referral(world, 0)  # the operator turns referral shares off after the payment
    life = Life.of(world)
    await life.delivery.deliver(order.id, SELLER, [{"kind": "text", "text": "Done"}])
    await life.delivery.approve(order.id, BUYER)
    assert await referral(world) == 200  # 10 % of 20.00, as frozen


async def test_only_a_chat_that_posted_the_gig_with_the_bot_still_there_is_credited(
    world: MoneyWorld,
) -> None:
    gig_id = await world.add_gig()
    other_gig = await world.add_gig()
    await chat_with_post(world, other_gig)  # CHAT posted another gig only
    await chat_with_post(world, gig_id, OTHER_CHAT)
    async with world.uow() as uow:
        await uow.groups.set_status(OTHER_CHAT, ChatStatus.removed, world.clock.now())
    with_referral(world, 1000)
    for key, source in (("k1", CHAT), ("k2", OTHER_CHAT), ("k3", -999)):  # -999: unknown
        order = await world.place(gig_id, key, source_chat_id=source)
        assert (order.source_chat_id, order.referral_bps) == (None, 0), source
    async with world.uow() as uow:  # a paused chat still has the bot: it is credited
        await uow.groups.set_status(OTHER_CHAT, ChatStatus.paused, world.clock.now())
    await completed(world, gig_id, OTHER_CHAT, "k4")
    assert await referral(world, OTHER_CHAT) == 200
    assert await referral(world, CHAT) == 0


async def test_a_digest_that_listed_the_gig_counts_as_a_post(world: MoneyWorld) -> None:
    gig_id = await world.add_gig()
    await chat_with_post(world, None)
    now = world.clock.now()
    async with world.uow() as uow:
        digest = NewGroupPost(CHAT, PostKind.digest, "2026-01-01", None, (gig_id + 7, gig_id), now)
        post_id = await uow.groups.add_post(digest)
        assert post_id is not None
        assert not await uow.groups.gig_posted_in(CHAT, gig_id)  # queued, not sent yet
        await uow.groups.post_sent(post_id, 78, now)
        assert await uow.groups.gig_posted_in(CHAT, gig_id)


async def test_an_operator_settles_a_balance_once_under_a_double_tap(world: MoneyWorld) -> None:
    gig_id = await world.add_gig()
    await chat_with_post(world, gig_id)
    with_referral(world, 1000)
    await completed(world, gig_id, CHAT)
    service = ReferralService(world.uow, world.clock, world.settings.admin_ids)
    with pytest.raises(NotAllowed):
        await service.owed(BUYER)
    [owed] = await service.owed(ADMIN)
    assert (owed.chat_id, owed.amount, owed.title) == (CHAT, Money(200, "USD"), f"Chat {CHAT}")
    with pytest.raises(NotAllowed):
        await service.settle(SELLER, CHAT, owed.amount)
    with pytest.raises(Conflict):  # not what is owed
        await service.settle(ADMIN, CHAT, Money(199, "USD"))
    with pytest.raises(NotFound):
        await service.settle(ADMIN, -5, owed.amount)
    results = await asyncio.gather(
        service.settle(ADMIN, CHAT, owed.amount),
        service.settle(ADMIN, CHAT, owed.amount),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Money"], results
    assert await referral(world) == 0
    assert await service.owed(ADMIN) == []


async def test_a_supergroup_migration_carries_the_balance(world: MoneyWorld) -> None:
    gig_id = await world.add_gig()
    await chat_with_post(world, gig_id)
    with_referral(world, 1000)
    await completed(world, gig_id, CHAT)
    groups = GroupService(world.uow, world.clock, EveryoneAdmin(), "USD")
    assert await groups.migrated(CHAT, OTHER_CHAT)
    assert (await referral(world), await referral(world, OTHER_CHAT)) == (0, 200)
    stats = await groups.stats(OTHER_CHAT, BUYER)
    assert stats.referral_minor == {"USD": 200} and stats.completed_orders == 1
