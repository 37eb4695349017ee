"""After approval and after disputes, end to end through the simulator.

A tip on a card order (buttons and a typed amount, out-of-bounds refused), a dispute released
to the seller and one split by a typed percentage (each ending with the books balanced and the
escrow at zero), and the sweep's reminders (the seller's due time, the review window) arriving
once however often the sweep runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.ledger import PLATFORM_FEES, escrow_account, seller_payable
from bot.payments.fake_gateway import FakeCharge, FakePaymentGateway
from telegram_sim import Person
from tests.e2e.order_steps import deliver, paid_order, sweep
from tests.e2e.test_orders import books_balance
from tests.harness import Harness, start_harness

SUBTOTAL, TOTAL = 3000, 3365  # basic + express; plus the 5.5% service fee and the small-order fee


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Harness]:
    gateway = FakePaymentGateway()
    sim, bot, clock = await start_harness(
        tmp_path,
        telegram_provider_token="284685063:TEST:sim",
        payment_rails=["stripe", "stars"],
        gateway=gateway,
        operators=["ops"],
    )
    try:
        yield Harness(sim, bot, clock, gateway)
    finally:
        await bot.stop()
        await sim.stop()


async def approved(harness: Harness, sam: Person, tom: Person) -> int:
    order_id = await paid_order(harness, sam, tom)
    await deliver(sam, order_id, files=0)
    await tom.expect("delivered")
    await tom.tap("Approve")
    await sam.expect("is complete")
    await tom.expect("Rate them")
    return order_id


async def disputed(harness: Harness, sam: Person, tom: Person, ops: Person) -> int:
    await ops.send("/start")  # the bot can only write to people who started it
    await ops.expect("Hi")
    order_id = await paid_order(harness, sam, tom)
    await deliver(sam, order_id, files=0)
    await tom.expect("delivered")
    await tom.tap("Open a dispute")
    await tom.expect("What went wrong")
    await tom.send("Not what we agreed on at all")
    await tom.expect("evidence")
    await tom.tap("Submit the dispute")
    await tom.expect("Dispute opened")
    await ops.expect("Dispute on")
    return order_id


async def test_tip_after_approval_goes_to_the_seller_less_commission(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam_seller"), harness.user("tom")
    order_id = await approved(harness, sam, tom)
    await tom.tap("Add a tip")
    offers = await tom.expect("Add a tip for the seller")
    assert offers.button_texts[:3] == ["5% · 1.50 USD", "10% · 3.00 USD", "15% · 4.50 USD"]
    await tom.tap("✏️ Another amount")
    await tom.expect("Type the tip's amount, from 1.00 USD to 7.50 USD")
    await tom.send("50")
    await tom.expect("A tip on this order is from 1.00 USD to 7.50 USD")
    await tom.tap("10% · 3.00 USD", offers)
    invoice = await tom.expect("A tip for order")
    result = await tom.pay(invoice)
    assert result.ok, result.error_message
    await tom.expect("Your tip of 3.00 USD")
    assert "2.40 USD is on your balance" in (await sam.expect("sent you a tip")).text
    balances = await books_balance(harness)
    assert balances[(seller_payable(sam.id), "USD")] == (SUBTOTAL - 600) + 240
    assert balances[(PLATFORM_FEES, "USD")] == (TOTAL - SUBTOTAL + 600) + 60
    assert balances.get((escrow_account(order_id), "USD"), 0) == 0
    async with harness.bot.deps.uow(read_only=True) as uow:
        events = [e.event for e in await uow.order_events.for_order(order_id)]
    assert events.count("tip") == 1


async def test_dispute_released_to_the_seller(shop: Harness) -> None:
    harness = shop
    sam, tom, ops = harness.user("sam_seller"), harness.user("tom"), harness.existing("ops")
    order_id = await disputed(harness, sam, tom, ops)
    await ops.tap("Release to the seller")
    await tom.expect("the payment goes to the seller")
    await sam.expect("the payment goes to the seller")
    balances = await books_balance(harness)
    assert balances[(seller_payable(sam.id), "USD")] == SUBTOTAL - 600
    assert balances.get((escrow_account(order_id), "USD"), 0) == 0


async def test_dispute_split_by_a_typed_percentage(shop: Harness) -> None:
    harness = shop
    sam, tom, ops = harness.user("sam_seller"), harness.user("tom"), harness.existing("ops")
    order_id = await disputed(harness, sam, tom, ops)
    gateway = harness.gateway
    assert isinstance(gateway, FakePaymentGateway)
    async with harness.bot.deps.uow(read_only=True) as uow:
        order = await uow.orders.get(order_id)
    assert order is not None and order.provider_charge_id
    charge = order.provider_charge_id  # the simulator's charge, known to the fake Stripe
    gateway.charges[charge] = FakeCharge(charge, TOTAL, "USD")
    await ops.tap("Split by a percentage")
    await ops.expect("Type the buyer's share")
    await ops.send("150")
    await ops.expect("from 0 to 100")
    await ops.send("30%")
    await ops.expect("Split recorded: 30%")
    # 30% of the subtotal and 30% of the buyer's fees back (each half up at one minor unit);
    # the seller gets the rest of the subtotal less the 20% commission, never the fees.
    fees = TOTAL - SUBTOTAL
    back = (SUBTOTAL * 3000 + 5000) // 10_000
    refund = back + (fees * 3000 + 5000) // 10_000
    rest = SUBTOTAL - back
    net = rest - (rest * 2000 + 5000) // 10_000
    assert f"{refund / 100:.2f} USD" in (await tom.expect("resolved by a split")).text
    assert f"{net / 100:.2f} USD" in (await sam.expect("resolved by a split")).text
    assert [r.amount_minor for r in gateway.refunds.values()] == [refund]
    balances = await books_balance(harness)
    assert balances[(seller_payable(sam.id), "USD")] == net
    assert balances.get((escrow_account(order_id), "USD"), 0) == 0


async def test_due_and_review_reminders_arrive_once(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam_seller"), harness.user("tom")
    order_id = await paid_order(harness, sam, tom)
    async with harness.bot.deps.uow(read_only=True) as uow:
        order = await uow.orders.get(order_id)
    assert order is not None and order.due_at is not None
    harness.clock.advance(order.due_at - harness.clock.now() - timedelta(hours=12))
    await sweep(harness)
    await sweep(harness)
    await sam.expect("Reminder:")
    await sam.expect_nothing()
    await deliver(sam, order_id, files=0)
    await tom.expect("delivered")
    await tom.tap("Approve")
    await sam.expect("is complete")
    await tom.expect("Rate them")
    harness.clock.advance(harness.bot.settings.review_window - timedelta(hours=12))
    await sweep(harness)
    await sweep(harness)
    for person in (tom, sam):
        await person.expect("You can still review")
        await person.expect_nothing()
