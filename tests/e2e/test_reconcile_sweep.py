"""The daily reconcile sweep through the real bot on the simulator: a Stars payment whose
`successful_payment` never reached the bot (the update confirmed by the next getUpdates, then a
kill) is found in Telegram's getStarTransactions, booked through the normal payment path, and
both sides hear about the order as if the update had arrived; a stray payment is refunded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.ledger import escrow_account
from bot.domain.order import OrderStatus
from bot.scheduler import RECONCILE_EVERY, run_reconcile
from bot.services.money.reconcile import GRACE, ReconcileService
from telegram_sim import Person
from telegram_sim.model import Charge
from tests.e2e.order_steps import status
from tests.e2e.test_orders import books_balance, order_until_invoice, publish_gig
from tests.harness import Harness, start_harness


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Harness]:
    sim, bot, clock = await start_harness(
        tmp_path, telegram_provider_token="284685063:TEST:sim",
        payment_rails=["stripe", "stars"], operators=["ops"],
    )  # fmt: skip
    clock.set(datetime.now(UTC))  # the simulator dates Stars transactions by the wall clock
    harness = Harness(sim, bot, clock)
    ops = harness.existing("ops")
    await ops.send("/start")  # the bot can only write to people who started it
    await ops.expect("Hi")
    try:
        yield harness
    finally:
        await bot.stop()
        await sim.stop()


def charged_without_update(harness: Harness, buyer: Person, amount: int, payload: str) -> str:
    """What Telegram holds after charging a buyer whose update the bot never handled."""
    world = harness.sim.world
    charge_id = f"stxsim_lost_{len(world.charges) + 1}"
    world.charges[charge_id] = Charge(charge_id, "", buyer.id, "XTR", amount, payload)
    world.star_transactions.append(
        {"id": charge_id, "amount": amount, "date": world.date(),
         "source": {"type": "user", "transaction_type": "invoice_payment",
                    "user": world.users[buyer.id].to_api(), "invoice_payload": payload}}
    )  # fmt: skip
    return charge_id


async def test_a_lost_stars_payment_is_booked_and_announced(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam_seller", first_name="Sam"), harness.user("tom", first_name="Tom")
    gig_id = await publish_gig(harness, sam, "XTR")
    await order_until_invoice(harness, tom, gig_id)
    invoice = harness.sim.world.invoices[max(harness.sim.world.invoices)]
    async with harness.bot.deps.uow(read_only=True) as uow:
        order = await uow.orders.get(int(invoice.payload.removeprefix("order:")))
    assert order is not None
    charge = charged_without_update(harness, tom, order.total_minor, f"order:{order.id}")
    assert not (await harness.bot.deps.service(ReconcileService).check()).clean

    ops = harness.existing("ops")
    harness.clock.advance(GRACE * 2)
    assert await run_reconcile(harness.bot.deps) == 0
    await tom.expect("Payment received")
    await sam.expect("New order")
    assert await status(harness, order.id) == OrderStatus.in_progress
    balances = await books_balance(harness)
    assert balances[(escrow_account(order.id), "XTR")] == order.total_minor
    report = await harness.bot.deps.service(ReconcileService).check()
    assert report.clean and report.ledger_transactions == 1
    await ops.expect(f"Reconcile booked stars:{charge}")


async def test_a_stray_stars_payment_is_refunded(shop: Harness) -> None:
    harness = shop
    tom = harness.user("tom", first_name="Tom")
    await tom.send("/start")
    await tom.expect("Hi")
    charge = charged_without_update(harness, tom, 40, "not-one-of-ours")
    ops = harness.existing("ops")
    harness.clock.advance(GRACE * 2)
    assert await run_reconcile(harness.bot.deps) == 0
    assert [c.telegram_payment_charge_id for c in harness.sim.star_refunds] == [charge]
    assert await run_reconcile(harness.bot.deps) == 0  # the next day: no second refund
    assert len(harness.sim.star_refunds) == 1
    await ops.expect(f"Reconcile refunded stars:{charge}")


async def test_the_sweep_is_scheduled_daily(shop: Harness) -> None:
    queue = shop.bot.app.job_queue
    assert queue is not None
    [job] = [job for job in queue.jobs() if job.name == "reconcile_sweep"]
    assert job.job.trigger.interval == RECONCILE_EVERY
