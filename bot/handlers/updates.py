"""Duplicate updates: each update_id is handled once, across replicas, and never lost.

Telegram delivers an update again when it did not see it confirmed (a crash, a webhook
timeout). The first handler group claims the update_id in the database (see
`SqlProcessedUpdateRepository.claim`): a redelivery of a finished update is skipped, one that
another replica is handling right now is skipped and reported busy (the webhook answers
Telegram "try later"), and a claim left by a replica that died is taken over after its lease.
The last group marks the update finished and wakes the outbox sender, so the notifications a
service committed go out at once.

Finishes are written in batches (`UpdateFinisher`): one transaction for all the updates that
finished while the previous write ran (webhook mode, where the handler waits for its write so
Telegram's 200 still means "finished in the database"), or every ~50 ms without waiting (polling
mode, where the next getUpdates has confirmed the update to Telegram before it is even handled).
An update whose finish is not written yet is covered by its claim's lease, as after a crash: a
redelivery within the lease is answered busy, one after it is handled again.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.clock import Clock
from bot.handlers.context import AnyApplication, AnyContext, deps
from bot.ops.log_context import CURRENT_UPDATE
from bot.services.ports import UnitOfWorkFactory, UpdateClaim

FIRST_GROUP = -100
LAST_GROUP = 100
# Longer than any handler runs; a claim this old belongs to a replica that died mid-update.
UPDATE_CLAIM_LEASE = timedelta(minutes=2)
# Polling mode: how long finished update_ids are gathered before one transaction writes them.
FINISH_BATCH_DELAY_S = 0.05
FINISHER_KEY = "gigbroker.update_finisher"


class UpdateFinisher:
    """Writes finished update_ids in batches: one transaction per batch instead of per update."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, delay: float) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._delay = delay
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
            while self._pending:
                ids, written = self._pending, self._written
                self._pending, self._written = [], None
                try:
                    async with self._uow() as uow:
                        await uow.updates.finish_many(ids, self._clock.now())
                except BaseException as exc:
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


async def claim_update(update: Update, context: AnyContext) -> None:
    dependencies = deps(context)
    CURRENT_UPDATE.set(update.update_id)  # for the log records written while handling it
    dependencies.metrics.update_started(update.update_id, update_kind(update))
    async with dependencies.uow() as uow:
        claim = await uow.updates.claim(
            update.update_id, dependencies.clock.now(), UPDATE_CLAIM_LEASE
        )
    if claim is not UpdateClaim.NEW:
        dependencies.busy_updates.update({update.update_id} if claim is UpdateClaim.BUSY else ())
        dependencies.metrics.update_skipped(update.update_id)
        raise ApplicationHandlerStop


async def finish_update(update: Update, context: AnyContext) -> None:
    dependencies = deps(context)
    application = context.application
    webhook = dependencies.settings.update_mode == "webhook"
    finisher = application.bot_data.get(FINISHER_KEY)
    if finisher is None:
        finisher = application.bot_data[FINISHER_KEY] = UpdateFinisher(
            dependencies.uow, dependencies.clock, 0.0 if webhook else FINISH_BATCH_DELAY_S
        )
    written, start = finisher.add(update.update_id)
    if start and application.running:
        application.create_task(finisher.write(), name="finish-updates")
    elif start:  # processed outside the running application (a test): write it now
        await finisher.write()
    if webhook:  # Telegram's 200 follows this handler: the finish must be written first
        await asyncio.shield(written)
    dependencies.metrics.update_finished(update.update_id)
    outbox = dependencies.outbox
    if outbox is not None and application.running and outbox.wanted():
        application.create_task(outbox.drain_while_wanted(), name="outbox-drain")


def register(app: AnyApplication) -> None:
    app.add_handler(TypeHandler(Update, claim_update), group=FIRST_GROUP)
    app.add_handler(TypeHandler(Update, finish_update), group=LAST_GROUP)
