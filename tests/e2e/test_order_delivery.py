"""After payment, end to end through the simulator with the controllable clock.

Delivery of several files, revisions to the limit, approval and the ledger, reviews both ways
and the rating on the card, auto-complete with its reminder, late orders, extensions, mutual
cancellation, disputes, the order chat's masking, a restart across a deadline, forged buttons.
Every test ends with the books balanced and the order's escrow at zero.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.ledger import escrow_account, seller_payable
from bot.domain.order import OrderStatus
from bot.handlers.orders.buttons import APPROVE, RESOLVE
from tests.e2e.order_steps import deliver, open_order, paid_order, status, sweep
from tests.e2e.test_orders import books_balance
from tests.harness import Harness, start_harness


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Harness]:
    sim, bot, clock = await start_harness(
        tmp_path, telegram_provider_token="284685063:TEST:sim", payment_rails=["stripe", "stars"]
    )
    try:
        yield Harness(sim, bot, clock)
    finally:
        await bot.stop()
        await sim.stop()


async def escrow_empty(harness: Harness, order_id: int, currency: str = "USD") -> None:
    balances = await books_balance(harness)
    assert balances.get((escrow_account(order_id), currency), 0) == 0


async def test_delivery_with_files_approval_reviews_and_card(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam_seller", first_name="Sam"), harness.user("tom", first_name="Tom")
    order_id = await paid_order(harness, sam, tom)
    await deliver(sam, order_id, files=2)
    assert "logo" in (await tom.expect("Delivery for")).text
    await tom.expect("Preview")
    await tom.expect("Delivery for")
    assert harness.sim.calls_to("sendDocument") and harness.sim.calls_to("sendPhoto")
    delivered = await tom.expect("delivered")
    assert {"👍 Approve", "🔁 Request a revision", "⚖️ Open a dispute"} <= set(
        delivered.button_texts
    )
    await tom.tap("Approve")
    await sam.expect("is complete")
    await tom.expect("Rate them")
    balances = await books_balance(harness)
    assert balances[(seller_payable(sam.id), "USD")] == 3000 - 600  # basic + express, less 20%
    await escrow_empty(harness, order_id)
    await tom.tap("⭐⭐⭐⭐⭐")
    await tom.expect("Add a comment")
    await tom.send("Lovely work, fast too")
    await tom.expect("review is published")
    await sam.expect("New review")
    await sam.tap("⭐⭐⭐⭐")
    await sam.expect("Add a comment")
    await sam.tap("Skip the comment")
    await sam.expect("review is published")
    await tom.send("/start gig_1")
    assert "⭐ 5.0 (1 reviews)" in (await tom.expect("⭐ 5.0")).text


async def test_revisions_up_to_the_limit_then_refused(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam_seller"), harness.user("tom")
    order_id = await paid_order(harness, sam, tom)  # basic package: 1 revision
    await deliver(sam, order_id, files=0)
    await tom.expect("delivered")
    await tom.tap("Request a revision")
    await tom.expect("What should the seller change")
    await tom.send("Darker blue, please")
    await tom.expect("Revision requested")
    assert "Darker blue" in (await sam.expect("asks for a revision")).text
    assert await status(harness, order_id) is OrderStatus.in_progress
    await deliver(sam, order_id, files=1)
    await tom.expect("Revisions left: 0")
    answer = await (await tom.tap("Request a revision")).answer()
    assert "revisions" in answer.get("text", "")
    await tom.tap("Approve")
    await sam.expect("is complete")
    await escrow_empty(harness, order_id)


async def test_auto_complete_with_reminder_and_restart_across_it(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam_seller"), harness.user("tom")
    order_id = await paid_order(harness, sam, tom)
    await deliver(sam, order_id, files=0)
    await tom.expect("delivered")
    harness.clock.advance(harness.bot.settings.auto_complete_after - timedelta(hours=12))
    await sweep(harness)
    await tom.expect("completes automatically")
    await harness.bot.stop()
    harness.clock.advance(timedelta(days=1))  # the deadline passes while the bot is down
    await harness.bot.start()
    await sweep(harness)
    await tom.expect("completed automatically")
    await sam.expect("is complete")
    assert await status(harness, order_id) is OrderStatus.completed
    await escrow_empty(harness, order_id)


async def test_late_order_cancelled_with_refund_after_extension_declined(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam_seller"), harness.user("tom")
    order_id = await paid_order(harness, sam, tom, "XTR")
    await open_order(sam, order_id)
    await sam.tap("Ask for more time")
    await sam.expect("How many more days")
    await sam.tap("+2 d")
    await tom.expect("asks for 2 more day")
    await tom.tap("Decline")
    await sam.expect("declined more time")
    harness.clock.advance(timedelta(days=5))
    await sweep(harness)
    await sam.expect("may now cancel")
    await tom.expect("has not been delivered")
    await tom.tap("Cancel with a full refund")
    await tom.expect("is cancelled")  # committed with the status change, before the refund
    await tom.expect("has been refunded")  # committed with the ledger's refund
    assert harness.sim.calls_to("refundStarPayment")
    await escrow_empty(harness, order_id, "XTR")


async def test_mutual_cancel_accepted_and_auto_accepted(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam_seller"), harness.user("tom")
    first = await paid_order(harness, sam, tom, "XTR")
    await open_order(tom, first)
    await tom.tap("Ask to cancel")
    await sam.expect("asks to cancel")
    await sam.tap("Accept")
    await tom.expect("cancelled")
    assert await status(harness, first) is OrderStatus.cancelled
    second = await paid_order(harness, sam, tom, "XTR")
    await open_order(sam, second)
    await sam.tap("Ask to cancel")
    await tom.expect("asks to cancel")
    harness.clock.advance(harness.bot.settings.mutual_cancel_timeout + timedelta(minutes=1))
    await sweep(harness)
    await tom.expect("was not answered in time")
    assert await status(harness, second) is OrderStatus.cancelled
    await escrow_empty(harness, second, "XTR")


async def test_dispute_with_evidence_resolved_by_an_operator(shop: Harness) -> None:
    harness = shop
    sam, tom, ops = harness.user("sam_seller"), harness.user("tom"), harness.user("ops")
    harness.bot.settings.admin_ids.append(ops.id)
    await harness.bot.restart()  # ADMIN_IDS is read when the bot starts
    await ops.send("/start")
    await ops.expect("Hi")
    order_id = await paid_order(harness, sam, tom, "XTR")
    await deliver(sam, order_id, files=0)
    await tom.expect("delivered")
    await tom.tap("Open a dispute")
    await tom.expect("What went wrong")
    await tom.send("The logo is a copy of another brand")
    await tom.expect("evidence")
    await tom.send_photo(b"\x89PNG screenshot")
    await tom.expect("Evidence received: 1")
    await tom.tap("Submit the dispute")
    opened = await tom.expect("Dispute opened")
    await sam.expect("dispute was opened")
    await ops.expect("Evidence for")
    case = await ops.expect("Dispute on")
    assert "delivered" in case.text and "paid" in case.text  # the whole history
    forged = await harness.forge_tap(tom, opened, RESOLVE.pack(order=order_id, outcome="release"))
    assert "operators" in (await forged.answer()).get("text", "")
    harness.clock.advance(timedelta(days=10))
    await sweep(harness)
    assert await status(harness, order_id) is OrderStatus.disputed  # frozen
    await ops.tap("Refund the buyer")
    await tom.expect("gets a full refund")  # committed with the status change, before the refund
    await tom.expect("has been refunded")  # committed with the ledger's refund
    await escrow_empty(harness, order_id, "XTR")


async def test_order_chat_masks_contacts_and_strangers_are_refused(shop: Harness) -> None:
    harness = shop
    sam, tom, eve = harness.user("sam_seller"), harness.user("tom"), harness.user("eve")
    order_id = await paid_order(harness, sam, tom, "XTR")
    await open_order(tom, order_id)
    await tom.tap("Message the seller")
    await tom.expect("Send your message")
    await tom.send("Call me at +1 555 123 4567 or mail tom@example.com")
    assert "Contact details were hidden" in (await tom.expect("Sent")).text
    relayed = await sam.expect("The buyer about")
    assert "555" not in relayed.text and "example.com" not in relayed.text
    assert "tom" not in relayed.text.lower().replace("#", "")  # no username either
    await sam.tap("Reply")
    await sam.expect("Send your message")
    await sam.send("Sure, I will start today")
    await tom.expect("I will start today")
    await eve.send("/start")
    message = await eve.expect("Hi")
    for data in (APPROVE.pack(order=order_id), RESOLVE.pack(order=order_id, outcome="refund")):
        refused = await harness.forge_tap(eve, message, data)
        assert (await refused.answer()).get("show_alert")
    assert await status(harness, order_id) is OrderStatus.in_progress
    await books_balance(harness)
