"""Group referral shares end to end: credited only to a chat the gig was really posted in
while the bot is there, shown in /groupstats, settled by an operator with /referrals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain.groups import referral_account
from telegram_sim import Group, Person
from tests.e2e.group_steps import set_up_group
from tests.e2e.order_steps import deliver
from tests.e2e.test_orders import books_balance, order_until_invoice, publish_gig
from tests.harness import Harness, start_harness

REFERRAL_BPS = 1000  # 10 % of the subtotal


@pytest.fixture
async def market(tmp_path: Path) -> AsyncIterator[Harness]:
    """Card payments on the simulator, a 10 % group referral share and an operator, olga."""
    sim, bot, clock = await start_harness(
        tmp_path,
        telegram_provider_token="284685063:TEST:sim",
        group_referral_bps=REFERRAL_BPS,
        operators=["olga"],
    )
    try:
        yield Harness(sim, bot, clock)
    finally:
        await bot.stop()
        await sim.stop()


def _order_link(message: Any) -> str:
    url = str(next(b["url"] for b in message.buttons if "Order" in b["text"]))
    return url.split("?start=", 1)[1]


async def _post_in(harness: Harness, admin: Person, group: Group, gig_id: int) -> str:
    """The admin posts the gig in the group (/post); returns the post's order deep link."""
    await admin.send(f"/post {gig_id}", chat=group)
    await group.expect("On its way")
    await harness.bot.drain_outbox()
    return _order_link(await group.expect("minimalist logo"))


async def _buy_and_complete(harness: Harness, seller: Person, buyer: Person, start: str) -> int:
    """The buyer opens `start`, orders, pays; the seller delivers; the buyer approves."""
    gig_id = int(start.removeprefix("gig_").split("_", 1)[0])
    await buyer.send(f"/start {start}")
    await buyer.expect("modern minimalist logo")
    await order_until_invoice(harness, buyer, gig_id)
    result = await buyer.pay()
    assert result.ok, result.error_message
    await buyer.expect("Payment received")
    await seller.expect("New order")
    async with harness.bot.deps.uow(read_only=True) as uow:
        [order] = await uow.orders.for_party(buyer.id, False, 1)
    await deliver(seller, order.id, files=0)
    await buyer.expect("delivered")
    await buyer.tap("Approve")
    await seller.expect("is complete")
    return order.id


async def _stats(admin: Person, group: Group) -> str:
    await admin.send("/groupstats", chat=group)
    return (await group.expect("Gig Broker in this chat")).text


async def test_referral_share_shows_in_groupstats_and_an_operator_settles_it(
    market: Harness,
) -> None:
    harness = market
    bob, sam, tom = harness.user("bob"), harness.user("sam_seller"), harness.user("tom")
    olga = harness.existing("olga")
    group = await set_up_group(harness, bob)
    gig_id = await publish_gig(harness, sam)
    start = await _post_in(harness, bob, group, gig_id)
    assert start == f"gig_{gig_id}_g{group.id}"
    order_id = await _buy_and_complete(harness, sam, tom, start)
    async with harness.bot.deps.uow(read_only=True) as uow:
        order = await uow.orders.get(order_id)
    assert order is not None and order.source_chat_id == group.id
    assert order.referral_bps == REFERRAL_BPS  # frozen on the order when it was placed
    share = order.subtotal_minor * REFERRAL_BPS // 10_000  # 30.00 -> 3.00
    assert (await books_balance(harness))[(referral_account(group.id), "USD")] == share

    stats = await _stats(bob, group)
    assert "Referral share owed to this chat's admins: 3.00 USD" in stats

    await olga.send("/referrals")
    line = await olga.expect("in referral shares")
    assert "Design Freelancers" in line.text and "3.00 USD" in line.text
    await tom.send("/referrals")  # not an operator: refused, nothing listed
    assert "referral shares" not in (await tom.expect()).text
    settled = await (await olga.tap("Mark as settled", line)).answer()
    assert "Settlement recorded" in settled.get("text", "")
    again = await (await olga.tap("Mark as settled", line)).answer()  # a double tap
    assert "balance changed" in again.get("text", "")
    balances = await books_balance(harness)
    assert balances.get((referral_account(group.id), "USD"), 0) == 0
    assert balances[("external:manual", "USD")] == share  # paid once, by hand

    assert "owed to this chat's admins: 0" in await _stats(bob, group)
    await olga.send("/referrals")
    await olga.expect("No group is owed")


async def test_a_hand_made_link_to_a_chat_without_the_post_credits_nobody(
    market: Harness,
) -> None:
    harness = market
    bob, sam, tom = harness.user("bob"), harness.user("sam_seller"), harness.user("tom")
    group = await set_up_group(harness, bob)  # the bot is there, but never posted this gig
    gig_id = await publish_gig(harness, sam)
    order_id = await _buy_and_complete(harness, sam, tom, f"gig_{gig_id}_g{group.id}")
    async with harness.bot.deps.uow(read_only=True) as uow:
        order = await uow.orders.get(order_id)
    assert order is not None and order.source_chat_id is None and order.referral_bps == 0
    assert (referral_account(group.id), "USD") not in await books_balance(harness)
    stats = await _stats(bob, group)
    assert "Gig links opened: 0" in stats and "Orders from these links: 0" in stats


async def test_no_share_for_a_chat_the_bot_was_removed_from_before_the_order(
    market: Harness,
) -> None:
    harness = market
    bob, sam, tom = harness.user("bob"), harness.user("sam_seller"), harness.user("tom")
    group = await set_up_group(harness, bob)
    gig_id = await publish_gig(harness, sam)
    start = await _post_in(harness, bob, group, gig_id)  # a real post, opened before removal
    await tom.send(f"/start {start}")
    await tom.expect("modern minimalist logo")
    await group.remove_bot(by=bob)
    await harness.bot.drain_outbox()
    order_id = await _buy_and_complete(harness, sam, tom, f"gig_{gig_id}")
    async with harness.bot.deps.uow(read_only=True) as uow:
        order = await uow.orders.get(order_id)
    assert order is not None and order.source_chat_id is None
    assert (referral_account(group.id), "USD") not in await books_balance(harness)
