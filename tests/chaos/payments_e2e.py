"""Faults in the handling of `successful_payment`, through the real Application on the simulator.

The service paths assume the update is delivered again after a failure; here nothing is
assumed: the bot runs as in production (webhook mode, where the simulator retries a POST that
got no 2xx, as Telegram does; polling mode, where an update confirmed by the next getUpdates is
never sent again), each statement of the payment update's handling (claim, booking, finish)
breaks in turn, and the audit afterwards checks that the simulator's charge is in the ledger.
Only statements run for the payment update itself are counted (the update id in the log
context, `CURRENT_UPDATE`), so the outbox and sweeps running meanwhile are left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ops.log_context import CURRENT_UPDATE
from bot.scheduler import run_sweeps
from bot.storage.db import create_engine
from bot.storage.tables import processed_updates
from telegram_sim import SimServer
from tests.chaos.books import audit, reading
from tests.chaos.faults import DB_FAULTS, Injector
from tests.chaos.report import Injection, Tally
from tests.chaos.service_faults import StoreFactory
from tests.chaos.sim_books import sim_provider
from tests.e2e.test_orders import order_until_invoice, publish_gig
from tests.harness import Harness, start_harness

log = logging.getLogger(__name__)

SECRET = "chaos-webhook-secret"
SETTLE_TIMEOUT_S = 3.0


def _payment_update_ids(sim: SimServer) -> Callable[[], bool]:
    """True while the current task handles a successful_payment update."""
    known: dict[int, bool] = {}

    def active() -> bool:
        update_id = CURRENT_UPDATE.get()
        if update_id is None:
            return False
        if update_id not in known:
            update = next((u for u in sim.updates_sent if u["update_id"] == update_id), {})
            known[update_id] = "successful_payment" in update.get("message", {})
        return known[update_id]

    return active


async def _finished(engine: AsyncEngine, update_id: int) -> bool:
    async with reading(engine) as connection:
        row = (
            await connection.execute(
                select(processed_updates.c.finished_at).where(
                    processed_updates.c.update_id == update_id
                )
            )
        ).first()
    return row is not None and row[0] is not None


async def _settle(harness: Harness, engine: AsyncEngine, update_id: int) -> None:
    """Wait until the bot is done with the update (finished, nothing left to deliver), then
    run the sweeps an hour later, as the scheduler would."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_TIMEOUT_S
    while loop.time() < deadline:
        pending = any(p.update["update_id"] == update_id for p in harness.sim.world.updates.pending)
        with contextlib.suppress(OperationalError):
            if not pending and await _finished(engine, update_id):
                break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.06)  # polling mode: the finish is written in a batch ~50 ms later
    harness.clock.advance(harness.bot.settings.invoice_ttl)
    await run_sweeps(harness.bot.deps)


async def run_mode(
    mode: str,
    url: str,
    tally: Tally,
    currencies: tuple[str, ...] = ("XTR", "USD"),
    seed: int = 0,
    only: Callable[[int], bool] = lambda _i: True,
) -> None:
    settings: dict[str, Any] = {
        "telegram_provider_token": "284685063:TEST:chaos",
        "payment_rails": ["stripe", "stars"],
    }
    if mode == "webhook":
        settings.update(
            update_mode="webhook",
            webhook_url="https://bot.example.org/telegram/webhook",
            webhook_secret_token=SECRET,
        )
    folder = Path(tempfile.mkdtemp(prefix="chaos-e2e-"))
    sim, bot, clock = await start_harness(
        folder, url, sim_options={"webhook_retry_delay": 0.05}, **settings
    )
    harness = Harness(sim, bot, clock)
    try:
        bot_engine: AsyncEngine = bot.app.bot_data["gigbroker.engine"]
        injector = Injector(active=_payment_update_ids(sim))
        injector.attach(bot_engine)
        # The audit's own connections: a fault can leave one of the bot's pooled
        # connections inside a transaction, and the audit must not be the one that trips on it.
        engine = create_engine(url)
        seller = harness.user("chaos_seller", first_name="Sam")
        numbers = itertools.count(1)
        seen: set[str] = set()
        for currency in currencies:
            gig_id = await publish_gig(harness, seller, currency)
            name = f"e2e {mode} payment {'stars' if currency == 'XTR' else 'card'}"

            async def pay(
                at: int | None, fault: Any, gig_id: int = gig_id
            ) -> tuple[list[Any], Any, str]:
                buyer = harness.user(f"chaos_buyer_{next(numbers)}", first_name="Tom")
                await order_until_invoice(harness, buyer, gig_id)
                injector.start(at, fault)
                result = await buyer.pay()
                error = "" if result.ok else f"payment sheet: {result.error_message}"
                update_id = sim.updates_sent[-1]["update_id"]
                await _settle(harness, engine, update_id)
                points = injector.stop()
                return points, injector.fired, error

            points, _fired, error = await pay(None, None)
            clean = [f for f in await audit(engine, sim_provider(sim)) if f.key not in seen]
            tally.baseline += clean
            seen.update(f.key for f in clean)
            for index, point in enumerate(points):
                if not only(index):
                    continue
                fault = DB_FAULTS[(index + seed) % len(DB_FAULTS)]
                notes: list[str] = []
                try:
                    _points, fired, error = await pay(index, fault)
                except Exception as exc:  # the bot stopped answering the next person
                    injector.stop()
                    fired, error = injector.fired, f"{type(exc).__name__}: {str(exc)[:100]}"
                    notes.append(f"the next deal stalled after the fault: {error[:90]}")
                new = [f for f in await audit(engine, sim_provider(sim)) if f.key not in seen]
                seen.update(f.key for f in new)
                tally.injections.append(
                    Injection(
                        name, index, fired.label if fired else point.label, fault.value,
                        fired is not None, error, new, notes=notes,
                    )
                )  # fmt: skip
    finally:
        await bot.stop()
        await sim.stop()
        with contextlib.suppress(NameError):
            await engine.dispose()


async def run_e2e_payments(
    new_store: StoreFactory,
    tally: Tally,
    modes: tuple[str, ...] = ("webhook", "polling"),
    seed: int = 0,
    only: Callable[[int], bool] = lambda _i: True,
) -> None:
    for mode in modes:
        await run_mode(mode, await new_store(f"e2e-{mode}"), tally, seed=seed, only=only)
