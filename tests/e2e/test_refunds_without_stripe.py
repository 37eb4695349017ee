"""A card refund the bot cannot make becomes an operator task, end to end.

Why: with the card rail on and no STRIPE_SECRET_KEY, a cancelled order told the buyer "your
full refund is on its way", kept the escrow, and the sweep logged a warning forever while no
operator heard of it. (A real start now refuses that configuration; this is the safety net for
a refund that cannot be made for any reason.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.ledger import escrow_account
from tests.e2e.order_steps import open_order, paid_order, sweep
from tests.harness import Harness, start_harness


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Harness]:
    sim, bot, clock = await start_harness(
        tmp_path, telegram_provider_token="284685063:TEST:sim", operators=["ops"]
    )  # no gateway: no STRIPE_SECRET_KEY
    try:
        yield Harness(sim, bot, clock)
    finally:
        await bot.stop()
        await sim.stop()


async def test_a_card_refund_without_stripe_goes_to_an_operator_once(shop: Harness) -> None:
    harness = shop
    ops = harness.existing("ops")
    await ops.send("/start")
    await ops.expect("Hi")
    sam, tom = harness.user("sam_seller"), harness.user("tom")
    order_id = await paid_order(harness, sam, tom)
    await open_order(tom, order_id)
    tap = await tom.tap("Cancel (full refund)")
    answer = await tap.answer()
    assert "operator is handling your refund" in answer.get("text", "")
    assert "on its way" not in answer.get("text", "")
    await tom.expect("an operator is handling it")
    alert = await ops.expect(f"Refund of order #{order_id}")
    assert "STRIPE_SECRET_KEY" in alert.text
    for _ in range(3):
        await sweep(harness)
    await ops.expect_nothing()  # one alert: the sweep no longer retries it
    async with harness.bot.deps.uow(read_only=True) as uow:
        order = await uow.orders.get(order_id)
        held = await uow.ledger.balance(escrow_account(order_id), "USD")
    assert order is not None and order.refund_error and held == order.total_minor
