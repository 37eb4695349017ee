"""Duplicate updates: each update_id is handled once, across replicas, and never lost.

Telegram delivers an update again when it did not see it confirmed (a crash, a webhook
timeout). The first handler group claims the update_id in the database (see
`SqlProcessedUpdateRepository.claim`): a redelivery of a finished update is skipped, one that
another replica is handling right now is skipped and reported busy (the webhook answers
Telegram "try later"), and a claim left by a replica that died is taken over after its lease.
The last group marks the update finished and wakes the outbox sender, so the notifications a
service committed go out at once.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.handlers.context import AnyApplication, AnyContext, deps
from bot.ops.log_context import CURRENT_UPDATE
from bot.services.ports import UpdateClaim

FIRST_GROUP = -100
LAST_GROUP = 100
# Longer than any handler runs; a claim this old belongs to a replica that died mid-update.
UPDATE_CLAIM_LEASE = timedelta(minutes=2)


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
    async with dependencies.uow() as uow:
        await uow.updates.finish(update.update_id, dependencies.clock.now())
    dependencies.metrics.update_finished(update.update_id)
    if dependencies.outbox is not None and context.application.running:
        context.application.create_task(dependencies.outbox.drain(), name="outbox-drain")


def register(app: AnyApplication) -> None:
    app.add_handler(TypeHandler(Update, claim_update), group=FIRST_GROUP)
    app.add_handler(TypeHandler(Update, finish_update), group=LAST_GROUP)
