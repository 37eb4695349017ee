"""Periodic sweeps through PTB's JobQueue: invoice expiry, pending refunds, payouts.

Sweeps act only on what the database says is due, and every step is idempotent, so a restart
loses nothing and a second replica running the same sweep does no harm.
"""

from __future__ import annotations

import logging

from telegram.ext import ContextTypes

from bot.handlers.context import AnyApplication, deps_of
from bot.services.orders import OrderService
from bot.services.payouts import PayoutService
from bot.services.refunds import RefundService

log = logging.getLogger(__name__)


async def sweep(context: ContextTypes.DEFAULT_TYPE) -> None:
    deps = deps_of(context.application)
    for name, run in (
        ("expire", deps.service(OrderService).expire_unpaid),
        ("refund", deps.service(RefundService).refund_due),
        ("payout", deps.service(PayoutService).pay_due),
    ):
        try:
            done = await run()
            if done:
                log.info("sweep %s: %s", name, done)
        except Exception:  # one failing sweep must not stop the others
            log.exception("sweep %s failed", name)
    if deps.outbox is not None:
        await deps.outbox.drain()


def register(app: AnyApplication) -> None:
    if app.job_queue is not None:
        interval = deps_of(app).settings.sweep_interval.total_seconds()
        app.job_queue.run_repeating(sweep, interval=interval, first=interval)
