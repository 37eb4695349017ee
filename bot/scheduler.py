"""Periodic sweeps through PTB's JobQueue: payments in the journal not applied yet, invoice
expiry, deadlines and reminders of orders
(auto-complete, late orders, mutual-cancel timeouts, review windows), refunds and payouts.

Sweeps act only on what the database says is due, and every step is idempotent, so a restart
loses nothing and a second replica running the same sweep does no harm.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import ContextTypes

from bot.handlers.context import AnyApplication, Deps, deps_of
from bot.services.inbox import InboxPruner
from bot.services.money.journal import JournalService
from bot.services.money.reconcile import ReconcileService
from bot.services.money.refunds import RefundService
from bot.services.orders.cancellation import CancellationService
from bot.services.orders.delivery import DeliveryService
from bot.services.orders.ordering import OrderService
from bot.services.orders.reviews import ReviewService
from bot.services.payouts.settlement import PayoutService
from bot.services.requests.briefs import BriefService
from bot.services.requests.saved_searches import SavedSearchService

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


#: How often Stripe's and Telegram's records are matched against the ledger, and how soon after
#: start (not at once: a restart loop must not list every provider object each time).
RECONCILE_EVERY = timedelta(days=1)
RECONCILE_FIRST = timedelta(hours=1)


async def reconcile_sweep(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_reconcile(deps_of(context.application))


async def run_reconcile(deps: Deps) -> int:
    """The daily reconcile: books or refunds charges the ledger lacks, alerts operators once
    per mismatch; a provider that cannot be reached is tried again the next day."""
    try:
        mismatches = await deps.service(ReconcileService).sweep()
    except Exception:
        log.exception("sweep reconcile failed")
        return -1
    if deps.outbox is not None:
        await deps.outbox.drain()
    return mismatches


def register(app: AnyApplication) -> None:
    if app.job_queue is not None:
        interval = deps_of(app).settings.sweep_interval.total_seconds()
        app.job_queue.run_repeating(sweep, interval=interval, first=interval)
        app.job_queue.run_repeating(
            reconcile_sweep,
            interval=RECONCILE_EVERY.total_seconds(),
            first=RECONCILE_FIRST.total_seconds(),
        )
