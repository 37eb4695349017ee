"""Periodic sweeps through PTB's JobQueue: payments in the journal not applied yet, invoice
expiry, deadlines and reminders of orders
(auto-complete, late orders, mutual-cancel timeouts, review windows), refunds and payouts.

Sweeps act only on what the database says is due, and every step is idempotent, so a restart
loses nothing and a second replica running the same sweep does no harm.
"""

from __future__ import annotations

import logging

from telegram.ext import ContextTypes

from bot.handlers.context import AnyApplication, Deps, deps_of
from bot.services.briefs import BriefService
from bot.services.cancellation import CancellationService
from bot.services.delivery import DeliveryService
from bot.services.inbox import InboxPruner
from bot.services.journal import JournalService
from bot.services.orders import OrderService
from bot.services.payouts import PayoutService
from bot.services.refunds import RefundService
from bot.services.reviews import ReviewService
from bot.services.saved_searches import SavedSearchService

log = logging.getLogger(__name__)


async def sweep(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_sweeps(deps_of(context.application))


async def run_sweeps(deps: Deps) -> None:
    """Every sweep once, in an order where a later one sees what an earlier one did
    (auto-complete before payouts; cancellations before refunds)."""
    delivery, cancels = deps.service(DeliveryService), deps.service(CancellationService)
    for name, run in (
        ("journal", deps.service(JournalService).apply_pending),  # payments before expiry
        ("expire", deps.service(OrderService).expire_unpaid),
        ("auto_complete_reminder", delivery.remind_auto_complete),
        ("auto_complete", delivery.auto_complete_due),
        ("due_reminder", cancels.remind_sellers),
        ("late", cancels.late_notices),
        ("mutual_cancel", cancels.mutual_cancel_due),
        ("review_reminder", deps.service(ReviewService).remind_due),
        ("refund", deps.service(RefundService).refund_due),
        ("payout", deps.service(PayoutService).pay_due),
        ("request_expiry", deps.service(BriefService).expire_due),
        ("saved_search_digest", deps.service(SavedSearchService).send_digests),
        ("inbox_prune", deps.service(InboxPruner).prune),
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
