"""A second charge for an order already paid is refunded at once, on both rails, end to end.

Why: the buyer can pay one invoice twice (two payment sheets open, both past pre-checkout
before either payment arrived). The second charge used to be only alerted to the operators,
although the money is plainly the buyer's; now it is booked apart from the escrow, refunded
through its rail (a Stripe refund, or refundStarPayment) and the buyer is told.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain.ledger import EXTERNAL_REFUNDS, duplicate_account, escrow_account
from bot.domain.order import OrderStatus
from telegram_sim import Person
from telegram_sim.stripe_connect import StripeConnectStandIn
from tests.e2e.order_steps import status
from tests.e2e.test_orders import books_balance, order_until_invoice, publish_gig
from tests.e2e.test_payments_stripe import ORDER_TOTAL, _card_shop, _charge
from tests.harness import Harness, start_harness


@pytest.fixture
async def stars_shop(tmp_path: Path) -> AsyncIterator[Harness]:
    sim, bot, clock = await start_harness(tmp_path, payment_rails=["stars"])
    try:
        yield Harness(sim, bot, clock)
    finally:
        await bot.stop()
        await sim.stop()


@pytest.fixture
async def card_shop(tmp_path: Path, stripe_api: StripeConnectStandIn) -> AsyncIterator[Harness]:
    harness = await _card_shop(tmp_path, stripe_api)
    try:
        yield harness
    finally:
        await harness.bot.stop()
        await harness.sim.stop()


async def pay_twice(harness: Harness, buyer: Person, seller: Person, currency: str) -> list[Any]:
    """Two payment sheets of one invoice, both confirmed before either payment arrived."""
    await order_until_invoice(harness, buyer, await publish_gig(harness, seller, currency))
    results = await asyncio.gather(buyer.pay(), buyer.pay())
    assert all(r.ok for r in results), [r.error_message for r in results]
    return list(results)


async def test_a_stars_order_paid_twice_gets_the_second_payment_back(stars_shop: Harness) -> None:
    harness = stars_shop
    sam, tom = harness.user("sam"), harness.user("tom")
    first, second = await pay_twice(harness, tom, sam, "XTR")
    await tom.expect_each("Payment received", "paid for", "has been refunded")
    refunded = [c.telegram_payment_charge_id for c in harness.sim.world.star_refunds]
    assert len(refunded) == 1
    assert refunded[0] in (first.telegram_payment_charge_id, second.telegram_payment_charge_id)
    assert await status(harness, 1) is OrderStatus.in_progress
    balances = await books_balance(harness)
    total = first.message["successful_payment"]["total_amount"] if first.message else 0
    assert balances[(escrow_account(1), "XTR")] == total  # the order keeps its one payment
    assert balances.get((duplicate_account(1), "XTR"), 0) == 0
    assert balances[(EXTERNAL_REFUNDS, "XTR")] == total


async def test_a_card_order_paid_twice_gets_the_second_charge_refunded(
    card_shop: Harness, stripe_api: StripeConnectStandIn
) -> None:
    harness = card_shop
    sam, tom = harness.user("sam"), harness.user("tom")
    first, second = await pay_twice(harness, tom, sam, "USD")
    await tom.expect_each("Payment received", "paid for", "has been refunded")
    charges = [first.provider_payment_charge_id, second.provider_payment_charge_id]
    refunded = [(await _charge(stripe_api, c))["amount_refunded"] for c in charges]
    assert sorted(refunded) == [0, ORDER_TOTAL]  # exactly one of the two charges, in full
    assert await status(harness, 1) is OrderStatus.in_progress
    balances = await books_balance(harness)
    assert balances[(escrow_account(1), "USD")] == ORDER_TOTAL
    assert balances.get((duplicate_account(1), "USD"), 0) == 0
