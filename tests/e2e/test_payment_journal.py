"""Payments under faults, end to end: the journal, the sweep, the alert, durable polling.

Faults come from `tests.fakes.faults`: the bot's units of work obey a plan that makes a chosen
repository call raise once (a locked database, a dropped connection) or hang until the process
is killed. Everything else is the real Application on the simulator.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from telegram import Update

from bot.demo.local import LocalBot
from bot.domain.order import OrderStatus
from bot.services.money.journal import TELEGRAM, JournalService
from bot.storage.repositories.ops import SqlOpsRepository
from bot.storage.tables import inbound_updates, ledger_transactions, orders, payment_journal
from telegram_sim import Person
from tests.e2e.order_steps import status, sweep
from tests.e2e.test_orders import books_balance, order_until_invoice, publish_gig
from tests.fakes.faults import FaultPlan, connection_lost, faulty
from tests.harness import Harness, start_harness
from tests.stores import drop_store

SECRET = "s3cret-token_for-webhooks"
APOLOGY = "Sorry, something went wrong"


async def _shop(
    folder: Path, plan: FaultPlan, *, webhook: bool = False, **settings: Any
) -> Harness:
    if webhook:
        settings.update(
            update_mode="webhook",
            webhook_url="https://bot.example.org/telegram/webhook",
            webhook_secret_token=SECRET,
        )
    sim, bot, clock = await start_harness(
        folder,
        telegram_provider_token="284685063:TEST:sim",
        payment_rails=["stripe", "stars"],
        operators=["ops"],
        sim_options={"webhook_retry_delay": 0.05},
        bot_overrides={"wrap_uow": faulty(plan), **settings.pop("bot_overrides", {})},
        **settings,
    )
    return Harness(sim, bot, clock)


async def _close(harness: Harness) -> None:
    await harness.bot.stop()
    await harness.sim.stop()
    await drop_store(harness.bot.settings.database_url)


async def _until_invoice(harness: Harness) -> tuple[Person, Person]:
    sam, tom = harness.user("sam", first_name="Sam"), harness.user("tom", first_name="Tom")
    gig_id = await publish_gig(harness, sam)
    await order_until_invoice(harness, tom, gig_id)
    return sam, tom


async def _only_order(harness: Harness, buyer: Person) -> int:
    return await _count(harness, select(func.max(orders.c.id)).where(orders.c.buyer_id == buyer.id))


async def _count(harness: Harness, query: Any) -> int:
    async with harness.bot.deps.uow(read_only=True) as uow:
        connection = uow.connection  # type: ignore[attr-defined]
        return int(await connection.scalar(query) or 0)


async def _payments_booked(harness: Harness, order_id: int) -> int:
    return await _count(
        harness,
        select(func.count())
        .select_from(ledger_transactions)
        .where(ledger_transactions.c.key == f"order:{order_id}:payment"),
    )


async def _journal_rows(harness: Harness) -> int:
    return await _count(harness, select(func.count()).select_from(payment_journal))


async def _unapplied_metric(harness: Harness) -> float:
    """What /metrics shows as gigbroker_journal_unapplied."""
    metrics = harness.bot.deps.metrics
    async with harness.bot.app.bot_data["gigbroker.engine"].connect() as connection:
        await metrics.refresh(SqlOpsRepository(connection), harness.clock.now())
    value = metrics.registry.get_sample_value("gigbroker_journal_unapplied")
    return float(value if value is not None else -1)


def _texts(person: Person) -> list[str]:
    return [m.text for m in person.since_cursor()]


async def test_a_payment_whose_booking_keeps_failing_is_booked_by_the_journal_sweep(
    tmp_path: Path,
) -> None:
    plan = FaultPlan()
    harness = await _shop(tmp_path, plan)
    try:
        sam, tom = await _until_invoice(harness)
        # Booking fails on every delivery the handler gets (3), then the update is given up:
        # before the journal, the order stayed awaiting payment and nobody was told.
        plan.fail("orders", "get_by_charge", connection_lost(), times=3)
        result = await tom.pay()
        assert result.ok
        journal = harness.bot.deps.service(JournalService)
        for _ in range(200):
            if plan.pending() == 0 and await harness.bot.drain_outbox() == 0:
                break
            await asyncio.sleep(0.02)
        order_id = await _only_order(harness, tom)
        assert await status(harness, order_id) is OrderStatus.awaiting_payment
        assert await journal.unapplied_count() == 1
        assert await _unapplied_metric(harness) == 1
        assert not any(APOLOGY in text for text in _texts(tom))

        harness.clock.advance(harness.bot.settings.sweep_interval * 10)
        await sweep(harness)
        assert await status(harness, order_id) is OrderStatus.in_progress
        await tom.expect("Payment received")
        await sam.expect("New order")
        assert await journal.unapplied_count() == 0
        assert await _unapplied_metric(harness) == 0
        assert await _payments_booked(harness, order_id) == 1
        [entry_charge] = [c for c in harness.sim.world.charges]
        entry = await journal.get(TELEGRAM, entry_charge)
        assert entry is not None and entry.applied_at is not None and entry.attempts == 3
        await books_balance(harness)
    finally:
        await _close(harness)


async def test_operators_are_alerted_once_after_repeated_failures(tmp_path: Path) -> None:
    plan = FaultPlan()
    harness = await _shop(tmp_path, plan, journal_alert_after=3)
    try:
        ops = harness.existing("ops")
        await ops.send("/start")
        await ops.expect("Hi")
        _sam, tom = await _until_invoice(harness)
        plan.fail("orders", "get_by_charge", connection_lost(), times=5)
        assert (await tom.pay()).ok
        await ops.expect("failed to apply 3 times")
        journal = harness.bot.deps.service(JournalService)
        for _ in range(3):  # attempts 4 and 5 fail, the 6th books it
            harness.clock.advance(timedelta(minutes=10))  # past each back-off, within the TTL
            await sweep(harness)
        order_id = await _only_order(harness, tom)
        assert await status(harness, order_id) is OrderStatus.in_progress
        assert await journal.unapplied_count() == 0
        await harness.bot.drain_outbox()
        alerts = [m for m in ops.since_cursor() if "failed to apply" in m.text]
        assert alerts == []  # the one alert came before the cursor; none since
        assert await _journal_rows(harness) == 1
    finally:
        await _close(harness)


async def test_webhook_answers_500_for_a_failed_payment_and_the_redelivery_books_it_once(
    tmp_path: Path,
) -> None:
    plan = FaultPlan()
    harness = await _shop(tmp_path, plan, webhook=True)
    try:
        sam, tom = await _until_invoice(harness)
        plan.fail("orders", "get_for_update", connection_lost())
        assert (await tom.pay()).ok
        await tom.expect("Payment received")
        await sam.expect("New order")
        webhook = harness.sim.world.webhook
        assert webhook is not None and "500" in str(webhook.last_error_message)
        order_id = await _only_order(harness, tom)
        assert await _payments_booked(harness, order_id) == 1
        assert await harness.bot.deps.service(JournalService).unapplied_count() == 0
        assert not any(APOLOGY in text for text in _texts(tom))
        await books_balance(harness)
    finally:
        await _close(harness)


async def test_a_locked_database_at_claim_time_runs_no_handler(tmp_path: Path) -> None:
    plan = FaultPlan()
    harness = await _shop(tmp_path, plan)
    try:
        _sam, tom = await _until_invoice(harness)
        answers_before = len(harness.sim.calls_to("answerPreCheckoutQuery"))
        plan.fail("updates", "claim")  # the pre-checkout's claim meets a locked database
        assert (await tom.pay()).ok
        await tom.expect("Payment received")
        assert len(harness.sim.calls_to("answerPreCheckoutQuery")) == answers_before + 1
        assert not any(APOLOGY in text for text in _texts(tom))
        assert plan.raised == [("updates", "claim")]
    finally:
        await _close(harness)


async def test_a_locked_database_at_claim_time_in_webhook_mode_is_redelivered(
    tmp_path: Path,
) -> None:
    plan = FaultPlan()
    harness = await _shop(tmp_path, plan, webhook=True)
    try:
        alice = harness.user("alice", first_name="Alice")
        plan.fail("updates", "claim")
        await alice.send("/start")
        await alice.expect("Hi Alice!")
        await alice.expect_nothing(within=0.3)  # handled once: no apology, no second greeting
        webhook = harness.sim.world.webhook
        assert webhook is not None and "500" in str(webhook.last_error_message)
    finally:
        await _close(harness)


async def test_an_update_whose_inbox_write_fails_is_handled_once_written(tmp_path: Path) -> None:
    plan = FaultPlan()
    harness = await _shop(tmp_path, plan)
    try:
        alice = harness.user("alice", first_name="Alice")
        plan.fail("inbox", "store_many", times=2)
        await alice.send("/start")
        await alice.expect("Hi Alice!")
        await alice.expect_nothing(within=0.3)
        assert plan.raised.count(("inbox", "store_many")) == 2
        update_id = harness.sim.updates_sent[-1]["update_id"]
        stored = await _count(
            harness,
            select(func.count())
            .select_from(inbound_updates)
            .where(inbound_updates.c.update_id == update_id),
        )
        assert stored == 1
    finally:
        await _close(harness)


async def _restart_clean(harness: Harness) -> None:
    """A new process on the same database and simulator, without faults or hooks."""
    harness.bot = LocalBot(harness.bot.settings, harness.clock)
    await harness.bot.start()


async def test_a_kill_between_getupdates_and_handling_loses_no_payment(tmp_path: Path) -> None:
    stored_payment = asyncio.Event()

    async def freeze_after_storing_a_payment(updates: Sequence[Update]) -> None:
        if any(u.message and u.message.successful_payment for u in updates):
            stored_payment.set()
            await asyncio.Event().wait()  # the process dies here (killed below)

    harness = await _shop(
        tmp_path, FaultPlan(), bot_overrides={"after_store": freeze_after_storing_a_payment}
    )
    try:
        sam, tom = await _until_invoice(harness)
        assert (await tom.pay()).ok
        await asyncio.wait_for(stored_payment.wait(), 5)
        order_id = await _only_order(harness, tom)
        await harness.bot.kill()

        await _restart_clean(harness)
        await tom.expect("Payment received")
        await sam.expect("New order")
        assert await status(harness, order_id) is OrderStatus.in_progress
        assert await _payments_booked(harness, order_id) == 1
        await tom.expect_nothing(within=0.3)  # one receipt, not two
        await books_balance(harness)
    finally:
        await _close(harness)


async def test_a_kill_while_booking_a_payment_loses_nothing_and_books_once(
    tmp_path: Path,
) -> None:
    plan = FaultPlan()
    harness = await _shop(tmp_path, plan)
    try:
        sam, tom = await _until_invoice(harness)
        plan.hang("ledger", "record")  # frozen inside confirm_payment's transaction
        assert (await tom.pay()).ok
        await asyncio.wait_for(plan.hanging.wait(), 5)
        order_id = await _only_order(harness, tom)
        await harness.bot.kill()

        await _restart_clean(harness)
        await tom.expect("Payment received")
        await sam.expect("New order")
        assert await _payments_booked(harness, order_id) == 1
        assert await _journal_rows(harness) == 1
        assert await harness.bot.deps.service(JournalService).unapplied_count() == 0
        await books_balance(harness)
    finally:
        await _close(harness)


async def test_the_same_payment_delivered_twice_is_booked_once(tmp_path: Path) -> None:
    harness = await _shop(tmp_path, FaultPlan())
    try:
        _sam, tom = await _until_invoice(harness)
        assert (await tom.pay()).ok
        await tom.expect("Payment received")
        payment_update = next(
            u for u in reversed(harness.sim.updates_sent) if "successful_payment" in str(u)
        )
        # Telegram repeats it, and it is also written to the journal again by hand.
        await harness.sim.redeliver(payment_update["update_id"])
        await tom.expect_nothing(within=0.4)
        order_id = await _only_order(harness, tom)
        assert await _payments_booked(harness, order_id) == 1
        assert await _journal_rows(harness) == 1
    finally:
        await _close(harness)


async def test_a_failed_update_is_handled_again_in_polling_mode_without_an_apology(
    tmp_path: Path,
) -> None:
    plan = FaultPlan()
    harness = await _shop(tmp_path, plan)
    try:
        alice = harness.user("alice", first_name="Alice")
        plan.fail("persistence", "delete", connection_lost())
        await alice.send("/cancel")
        await alice.expect("Stopped.")
        await alice.expect_nothing(within=0.3)
        assert plan.raised == [("persistence", "delete")]
        assert not any(APOLOGY in text for text in _texts(alice))
    finally:
        await _close(harness)


async def test_an_update_that_keeps_failing_is_given_up_with_one_apology(tmp_path: Path) -> None:
    plan = FaultPlan()
    harness = await _shop(tmp_path, plan)
    try:
        alice = harness.user("alice", first_name="Alice")
        plan.fail("persistence", "delete", connection_lost(), times=3)
        await alice.send("/cancel")
        await alice.expect(APOLOGY)
        await alice.expect_nothing(within=0.3)
        update_id = harness.sim.updates_sent[-1]["update_id"]
        async with harness.bot.deps.uow(read_only=True) as uow:
            assert await uow.updates.seen(update_id)  # finished: not handled a fourth time
    finally:
        await _close(harness)


async def test_an_update_never_stored_is_not_confirmed_and_survives_a_kill(tmp_path: Path) -> None:
    plan = FaultPlan()
    harness = await _shop(tmp_path, plan)
    try:
        alice = harness.user("alice", first_name="Alice")
        plan.fail("inbox", "store_many", times=1_000)  # the database is gone for good
        await alice.send("/start")
        for _ in range(500):
            if len(plan.raised) >= 2:
                break
            await asyncio.sleep(0.01)
        assert len(plan.raised) >= 2  # retried, never handled unrecorded
        assert not alice.since_cursor()
        await harness.bot.kill()
        await _restart_clean(harness)  # Telegram still holds it: its offset never moved
        await alice.expect("Hi Alice!")
    finally:
        await _close(harness)


async def test_a_failed_finish_write_is_retried_in_polling_mode(tmp_path: Path) -> None:
    plan = FaultPlan()
    harness = await _shop(tmp_path, plan)
    try:
        alice = harness.user("alice", first_name="Alice")
        plan.fail("updates", "finish_many", times=2)
        await alice.send("/start")
        await alice.expect("Hi Alice!")
        update_id = harness.sim.updates_sent[-1]["update_id"]
        for _ in range(300):
            async with harness.bot.deps.uow(read_only=True) as uow:
                if await uow.updates.seen(update_id):
                    break
            await asyncio.sleep(0.01)
        assert plan.raised.count(("updates", "finish_many")) == 2
        await harness.bot.restart()  # finished: not handled again after a restart
        await alice.expect_nothing(within=0.3)
    finally:
        await _close(harness)
