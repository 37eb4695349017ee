"""Duplicate updates: each update_id is handled once, across replicas, and never lost.

Telegram delivers an update again when it did not see it confirmed (a crash, a webhook
timeout). The first handler group claims the update_id in the database (see
`SqlProcessedUpdateRepository.claim`): a redelivery of a finished update is skipped, one that
another replica is handling right now is skipped and reported busy (the webhook answers
Telegram "try later"), and a claim left by a replica that died is taken over after its lease.
The last group marks the update finished and wakes the outbox sender, so the notifications a
service committed go out at once.

An update is finished only when its handler ended or a domain rule refused it. When the claim
itself cannot be written (a locked database, a dropped connection) no handler runs at all, and
when a handler fails on anything else (`errors.on_error`) the later groups do not run either:
the update is `not_finished`, its claim released, and it is handled again (webhook mode answers
5xx so Telegram redelivers it; polling mode re-queues it from the inbox, see
`bot.telegram.polling`). A handler that keeps failing is given up after
`MAX_UPDATE_ATTEMPTS` (the user gets the apology then), except a payment that could not even be
stored in the payment journal (once stored, the journal's sweep books it whatever happens here).

Finishes are written in batches (`UpdateFinisher`): one transaction for all the updates that
finished while the previous write ran (webhook mode, where the handler waits for its write so
Telegram's 200 still means "finished in the database"), or every ~50 ms without waiting (polling
mode, where nobody waits for the answer; the same write marks the update's inbox row finished).
An update whose finish is not written yet is covered by its claim's lease, as after a crash: a
redelivery within the lease is answered busy, one after it is handled again (in polling mode,
its unfinished inbox row is handled again by the next process).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.clock import Clock
from bot.handlers.context import AnyApplication, AnyContext, deps
from bot.ops.log_context import CURRENT_UPDATE
from bot.services.money.journal import JournalWriteFailed
from bot.services.ports import UnitOfWorkFactory, UpdateClaim

FIRST_GROUP = -100
LAST_GROUP = 100
# Longer than any handler runs; a claim this old belongs to a replica that died mid-update.
UPDATE_CLAIM_LEASE = timedelta(minutes=2)
# Polling mode: how long finished update_ids are gathered before one transaction writes them.
FINISH_BATCH_DELAY_S = 0.05
FINISHER_KEY = "gigbroker.update_finisher"
FINISH_RETRIES = 5  # polling mode: failed finish writes retried, 0.1 s to 1.6 s apart
# Failed handlings of one update before it is given up (finished with an apology).
MAX_UPDATE_ATTEMPTS = 3
MAX_TRACKED_FAILURES = 10_000

log = logging.getLogger(__name__)


class UpdateFinisher:
    """Writes finished update_ids in batches: one transaction per batch instead of per update."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, delay: float, inbox: bool = False
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._delay = delay
        self._inbox = inbox  # polling mode: the inbox rows are finished in the same write
        self._pending: list[int] = []
        self._written: asyncio.Future[None] | None = None
        self._writing = False

    def add(self, update_id: int) -> tuple[asyncio.Future[None], bool]:
        """Queue `update_id`; returns the future of its batch's write, and whether the caller
        must start the writer (`write`) because none is running."""
        self._pending.append(update_id)
        if self._written is None:
            self._written = asyncio.get_running_loop().create_future()
        start, self._writing = not self._writing, True
        return self._written, start

    async def write(self) -> None:
        """Write batches until none is pending (after `delay` for the first one)."""
        try:
            if self._delay:
                await asyncio.sleep(self._delay)
            failures = 0
            while self._pending:
                ids, written = self._pending, self._written
                self._pending, self._written = [], None
                try:
                    async with self._uow() as uow:
                        now = self._clock.now()
                        await uow.updates.finish_many(ids, now)
                        if self._inbox:
                            await uow.inbox.finish_many(ids, now)
                except BaseException as exc:
                    if isinstance(exc, Exception) and self._inbox and failures < FINISH_RETRIES:
                        # Polling: nobody waits for this write, and an unwritten finish has the
                        # next process handle these updates again: try a little longer.
                        failures += 1
                        log.warning("could not mark %d update(s) finished; retrying", len(ids))
                        self._pending[:0] = ids
                        self._written = self._written or written
                        await asyncio.sleep(self._delay * 2**failures)
                        continue
                    if written is not None and not written.done():
                        written.set_exception(exc)
                        written.exception()  # retrieved: only webhook handlers wait for it
                    raise
                if written is not None and not written.done():
                    written.set_result(None)
        finally:
            self._writing = False


def update_kind(update: Update) -> str:
    """The update's type as Telegram names it (message, callback_query, ...), for metrics."""
    for kind in (
        "message",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "pre_checkout_query",
        "my_chat_member",
        "channel_post",
        "edited_message",
    ):
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


def task_name(application: AnyApplication, what: str) -> str:
    """Named like PTB names the Application's own tasks, so a kill finds them all."""
    return f"Application:{application.bot.id}:{what}"


def is_payment(update: Update) -> bool:
    """A `successful_payment`: money that arrived, journaled before it is booked."""
    message = update.effective_message
    return message is not None and message.successful_payment is not None


def not_finished(update: Update, context: AnyContext) -> None:
    """Leave the update unfinished so it is handled again (see the module docstring)."""
    dependencies = deps(context)
    if dependencies.on_update_failed is not None:  # polling: queued again after a back-off
        dependencies.on_update_failed(update)
    else:  # webhook: the endpoint reads (and clears) this to answer 500
        dependencies.failed_updates.add(update.update_id)


def count_failure(update: Update, context: AnyContext) -> bool:
    """Count one failed handling; True when the update is given up (finished anyway).

    Never when a money event could not even be journaled: then the delivery is all there is.
    """
    failures = deps(context).update_failures
    if len(failures) > MAX_TRACKED_FAILURES:  # updates that never came back (another replica)
        failures.clear()
    failures[update.update_id] = attempts = failures.get(update.update_id, 0) + 1
    return attempts >= MAX_UPDATE_ATTEMPTS and not isinstance(context.error, JournalWriteFailed)


async def release_claim(update: Update, context: AnyContext) -> None:
    """Let the redelivery of a failed update take its claim at once (best effort: when this
    write fails too, the claim's lease runs out instead)."""
    dependencies = deps(context)
    try:
        async with dependencies.uow() as uow:
            await uow.updates.release(update.update_id)
    except Exception:
        log.warning("could not release the claim of update %s", update.update_id, exc_info=True)


async def claim_update(update: Update, context: AnyContext) -> None:
    dependencies = deps(context)
    CURRENT_UPDATE.set(update.update_id)  # for the log records written while handling it
    dependencies.metrics.update_started(update.update_id, update_kind(update))
    try:
        async with dependencies.uow() as uow:
            claim = await uow.updates.claim(
                update.update_id, dependencies.clock.now(), UPDATE_CLAIM_LEASE
            )
    except Exception:
        # Not recorded, so not handled: no handler runs unclaimed (a pre-checkout answered
        # twice, an apology for a payment that was booked); it is delivered again.
        log.warning("could not claim update %s; it is handled later", update.update_id,
                    exc_info=True)  # fmt: skip
        dependencies.metrics.update_skipped(update.update_id)
        not_finished(update, context)
        raise ApplicationHandlerStop from None
    if claim is not UpdateClaim.NEW:
        dependencies.metrics.update_skipped(update.update_id)
        if claim is UpdateClaim.BUSY:
            if dependencies.on_update_failed is not None:
                dependencies.on_update_failed(update)  # polling: again once that one ended
            else:
                dependencies.busy_updates.add(update.update_id)  # webhook: answered 503
        raise ApplicationHandlerStop


async def finish_update(update: Update, context: AnyContext) -> None:
    dependencies = deps(context)
    application = context.application
    webhook = dependencies.settings.update_mode == "webhook"
    finisher = application.bot_data.get(FINISHER_KEY)
    if finisher is None:
        finisher = application.bot_data[FINISHER_KEY] = UpdateFinisher(
            dependencies.uow,
            dependencies.clock,
            0.0 if webhook else FINISH_BATCH_DELAY_S,
            inbox=not webhook,
        )
    dependencies.update_failures.pop(update.update_id, None)
    written, start = finisher.add(update.update_id)
    if start and application.running:
        application.create_task(finisher.write(), name=task_name(application, "finish-updates"))
    elif start:  # processed outside the running application (a test): write it now
        await finisher.write()
    if webhook:  # Telegram's 200 follows this handler: the finish must be written first
        await asyncio.shield(written)
    dependencies.metrics.update_finished(update.update_id)
    outbox = dependencies.outbox
    if outbox is not None and application.running and outbox.wanted():
        application.create_task(
            outbox.drain_while_wanted(), name=task_name(application, "outbox-drain")
        )


def register(app: AnyApplication) -> None:
    app.add_handler(TypeHandler(Update, claim_update), group=FIRST_GROUP)
    app.add_handler(TypeHandler(Update, finish_update), group=LAST_GROUP)
