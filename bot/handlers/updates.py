"""Duplicate updates: a redelivered update_id is recognised and skipped.

Telegram delivers an update again when it did not see it confirmed (a crash, a webhook
timeout). The first group checks whether the update was handled; the last group records it
once handling has finished, so a crash half-way means the update is handled again (every
service is idempotent), never lost. The last group also wakes the outbox sender, so the
notifications a service committed go out at once.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.handlers.context import AnyApplication, AnyContext, deps

FIRST_GROUP = -100
LAST_GROUP = 100


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


async def skip_if_handled(update: Update, context: AnyContext) -> None:
    dependencies = deps(context)
    dependencies.metrics.update_started(update.update_id, update_kind(update))
    async with dependencies.uow(read_only=True) as uow:
        seen = await uow.updates.seen(update.update_id)
    if seen:
        dependencies.metrics.update_skipped(update.update_id)
        raise ApplicationHandlerStop


async def record_handled(update: Update, context: AnyContext) -> None:
    dependencies = deps(context)
    async with dependencies.uow() as uow:
        await uow.updates.claim(update.update_id, dependencies.clock.now())
    dependencies.metrics.update_finished(update.update_id)
    if dependencies.outbox is not None and context.application.running:
        context.application.create_task(dependencies.outbox.drain(), name="outbox-drain")


def register(app: AnyApplication) -> None:
    app.add_handler(TypeHandler(Update, skip_if_handled), group=FIRST_GROUP)
    app.add_handler(TypeHandler(Update, record_handled), group=LAST_GROUP)
