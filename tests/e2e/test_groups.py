"""Groups and channels end to end: setup by admins, instant and digest posts, edits, attribution,
removal, supergroup migration, and a 429 burst that still delivers every post once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.bootstrap import config_of
from bot.domain.gig import Category
from bot.domain.groups import referral_account
from bot.domain.ledger import payment_received
from bot.domain.money import Money
from bot.services.gigs.catalog import GigService
from bot.services.groups.broadcast import BroadcastService
from bot.services.money.refunds import RefundService
from bot.services.orders.access import release_escrow
from bot.services.orders.ordering import OrderConfig, OrderService, PlaceOrder
from bot.services.ports import TelegramIdentity
from telegram_sim import FloodLimits, Group
from tests.e2e.group_steps import live_gig, set_up_group
from tests.harness import Harness


def _order_url(message: Any) -> str:
    return str(next(b["url"] for b in message.buttons if "Order" in b["text"]))


async def test_admin_sets_up_and_a_member_is_refused_politely(harness: Harness) -> None:
    bob, alice = harness.user("bob"), harness.user("alice")
    group = await set_up_group(harness, bob, members=(alice,))
    tap = await alice.tap("Pause posting", chat=group)
    answer = await tap.answer()
    assert "Only this chat's admins" in answer["text"]
    await alice.send("/pause", chat=group)
    await group.expect("Only this chat's admins")
    await bob.tap("Categories", chat=group)
    await group.expect("Tap the categories")
    await bob.tap("Programming & Tech", chat=group)
    await group.expect("Categories: Programming & Tech")
    # Every change asked Telegram who is an admin, fresh.
    assert len(harness.sim.calls_to("getChatMember")) >= 4


async def test_instant_post_then_edited_when_the_gig_is_paused(harness: Harness) -> None:
    bob, maya = harness.user("bob"), harness.user("maya")
    group = await set_up_group(harness, bob)
    gig_id = await live_gig(harness, maya)
    await harness.bot.drain_outbox()
    post = await group.expect("minimalist logo")
    assert f"start=gig_{gig_id}_g{group.id}" in _order_url(post)
    assert any("More like this" in label for label in post.button_texts)
    await harness.bot.deps.service(GigService).set_paused(maya.id, gig_id, True)
    await harness.bot.drain_outbox()
    edited = await group.expect("Paused by the seller")
    assert edited.kind == "edit" and edited.message_id == post.message_id
    assert not any("Order" in label for label in edited.button_texts)


async def test_rules_and_the_daily_limit_decide_what_is_posted(harness: Harness) -> None:
    bob, maya = harness.user("bob"), harness.user("maya")
    group = await set_up_group(harness, bob)
    await bob.tap("Posting", chat=group)
    await group.expect("Posting:")
    for left in range(9, 0, -1):  # 10 -> 1 post a day
        await bob.tap("➖ posts/day", chat=group)
        await group.expect(f"At most {left} posts a day")
    await live_gig(harness, maya, title="I will write your landing page copy today")
    await live_gig(harness, maya, title="I will write your product descriptions fast")
    await harness.bot.drain_outbox()
    await group.expect("landing page copy")
    await group.expect_nothing()


async def test_digest_posts_once_at_the_chosen_hour(harness: Harness) -> None:
    bob, maya = harness.user("bob"), harness.user("maya")
    group = await set_up_group(harness, bob)
    await bob.tap("Posting", chat=group)
    await group.expect("Posting:")
    await bob.tap("Daily digest", chat=group)
    await group.expect("one digest a day at 18:00")
    harness.clock.set(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    await live_gig(harness, maya, title="I will design a minimalist logo for your brand")
    await live_gig(harness, maya, title="I will draw a cute mascot for your stream")
    await harness.bot.drain_outbox()
    await group.expect_nothing()
    broadcast = harness.bot.deps.service(BroadcastService)
    assert await broadcast.digest_sweep() == 0  # 09:00 UTC: not yet
    harness.clock.set(datetime(2026, 1, 5, 18, 1, tzinfo=UTC))
    assert await broadcast.digest_sweep() == 1
    assert await broadcast.digest_sweep() == 0  # once a day
    await harness.bot.drain_outbox()
    digest = await group.expect("Today's gigs")
    assert "minimalist logo" in digest.text and "cute mascot" in digest.text


async def test_order_from_a_group_post_is_attributed_and_shown_in_stats(harness: Harness) -> None:
    bob, maya, tom = harness.user("bob"), harness.user("maya"), harness.user("tom")
    group = await set_up_group(harness, bob)
    gig_id = await live_gig(harness, maya)
    await harness.bot.drain_outbox()
    post = await group.expect("minimalist logo")
    start = _order_url(post).split("?start=", 1)[1]
    await tom.send(f"/start {start}")
    await tom.expect("minimalist logo")
    async with harness.bot.deps.uow() as uow:  # what the order flow does on its first step
        await uow.users.upsert_identity(TelegramIdentity(tom.id, "Tom"), harness.clock.now())
    deps = harness.bot.deps  # the order service as GROUP_REFERRAL_BPS=1000 would build it
    settings = deps.settings.model_copy(update={"group_referral_bps": 1000})
    orders = OrderService(
        deps.uow, deps.clock, config_of(OrderConfig, settings), deps.service(RefundService)
    )
    order = await orders.place_order(
        PlaceOrder(tom.id, gig_id, "basic", (), {}, confirm_key="tom-1")
    )
    assert (order.source_chat_id, order.referral_bps) == (group.id, 1000)
    await bob.send("/groupstats", chat=group)
    stats = await group.expect("Gig Broker in this chat")
    assert "Gig links opened: 1" in stats.text and "Orders from these links: 1" in stats.text
    # Completion releases the escrow and credits the group's referral share, in one unit of work.
    now = harness.clock.now()
    async with harness.bot.deps.uow() as uow:
        total = Money(order.total_minor, order.currency)
        await uow.ledger.record(payment_received(order.id, total), now)
        await release_escrow(uow, order, now)
        credited = await uow.ledger.balance(referral_account(group.id), "USD")
    assert credited == order.subtotal_minor // 10


async def test_removed_bot_stops_posting_there(harness: Harness) -> None:
    bob, maya = harness.user("bob"), harness.user("maya")
    group = await set_up_group(harness, bob)
    other = await set_up_group(harness, bob, title="Other group")
    await group.remove_bot(by=bob)
    await _settled(harness)
    await live_gig(harness, maya)
    await harness.bot.drain_outbox()
    await other.expect("minimalist logo")
    await group.expect_nothing()


async def test_posting_to_a_chat_that_answers_403_turns_it_off(harness: Harness) -> None:
    bob, maya = harness.user("bob"), harness.user("maya")
    group = await set_up_group(harness, bob)
    # The bot is removed without Telegram telling it (a missed update): the send gets 403.
    del group.chat.members[harness.sim.bot_id]
    await live_gig(harness, maya)
    await harness.bot.drain_outbox()
    async with harness.bot.deps.uow(read_only=True) as uow:
        chat = await uow.groups.get(group.id)
    assert chat is not None and chat.status.value == "removed"


async def test_supergroup_migration_keeps_the_settings(harness: Harness) -> None:
    bob, maya = harness.user("bob"), harness.user("maya")
    group = await set_up_group(harness, bob, supergroup=False)
    await bob.tap("Categories", chat=group)
    await group.expect("Tap the categories")
    await bob.tap("Graphics & Design", chat=group)
    await group.expect("Categories: Graphics & Design")
    old_id = group.id
    await group.migrate_to_supergroup()
    await _settled(harness)
    async with harness.bot.deps.uow(read_only=True) as uow:
        moved = await uow.groups.get(group.id)
        assert await uow.groups.get(old_id) is None
    assert moved is not None and moved.rules.categories == {Category.graphics_design}
    await live_gig(harness, maya)
    await harness.bot.drain_outbox()
    post = await group.expect("minimalist logo")
    assert post.chat_id == group.id != old_id


async def test_a_burst_that_triggers_429_still_delivers_every_post_once(harness: Harness) -> None:
    bob, maya = harness.user("bob"), harness.user("maya")
    groups: list[Group] = [await set_up_group(harness, bob, title=f"Burst {i}") for i in range(3)]
    harness.sim.world.flood = type(harness.sim.world.flood)(
        FloodLimits(global_per_second=30, global_burst=30, group_per_second=1.0, group_burst=1)
    )
    gig_ids = [
        await live_gig(harness, maya, title=f"I will design logo number {n} for your brand")
        for n in range(3)
    ]
    await _drain_until_empty(harness)
    limited = [c for c in harness.sim.calls if c.error is not None and c.error.code == 429]
    assert limited, "the strict flood limits should have answered 429 at least once"
    for group in groups:
        texts = [m.text for m in group.since_cursor() if m.kind == "new"]
        for n in range(3):
            assert sum(f"logo number {n} " in t for t in texts) == 1, texts
    # An admin's /post of a gig the chat already got today is refused, not posted twice.
    await bob.send(f"/post {gig_ids[0]}", chat=groups[0])
    await groups[0].expect("already posted in this chat today")


async def _settled(harness: Harness) -> None:
    """Wait until the bot has handled every update queued so far."""
    for _ in range(100):
        async with harness.bot.deps.uow(read_only=True) as uow:
            done = all([await uow.updates.seen(u["update_id"]) for u in harness.sim.updates_sent])
        if done:
            return
        await asyncio.sleep(0.05)


async def _drain_until_empty(harness: Harness) -> None:
    for _ in range(200):
        await harness.bot.drain_outbox()
        async with harness.bot.deps.uow(read_only=True) as uow:
            if await uow.outbox.pending_count() == 0:
                return
        harness.clock.advance(timedelta(seconds=6))
        await asyncio.sleep(0.1)
    raise AssertionError("the outbox did not empty")
