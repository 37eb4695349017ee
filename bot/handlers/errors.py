"""The one error handler: turns the exception hierarchy into a plain message for the user.

Handlers never catch `GigBrokerError`s themselves; whatever they raise arrives here, is
translated into the user's language and shown where the user acted (an alert on a button, a
reply to a message); the update is finished, since a refusal is final.

Anything else (a bug, a dropped database connection, a locked database) is logged with the
update id and the update is NOT finished: later handler groups are stopped, its claim released,
and it is handled again (see `bot.handlers.updates`). The user hears nothing until it is given
up after a few failures, then gets an apology; a payment never gets the apology (the payment
journal holds it and books it) and is never given up before the journal stored it.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.errors import GigBrokerError
from bot.handlers.context import AnyApplication, AnyContext, deps, translator
from bot.handlers.updates import (
    MAX_UPDATE_ATTEMPTS,
    count_failure,
    is_payment,
    not_finished,
    release_claim,
)
from bot.i18n.markers import N_

log = logging.getLogger(__name__)

UNEXPECTED = N_("Sorry, something went wrong on our side. Please try again in a moment.")


async def on_error(update: object, context: AnyContext) -> None:
    error = context.error
    _ = translator(update, context)
    if isinstance(error, GigBrokerError):
        text = _(error.message, **error.params)
        log.info("refused: %s", error.render_untranslated())
    else:
        if isinstance(error, TelegramError):
            deps(context).metrics.telegram_errors.labels(type(error).__name__).inc()
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("unhandled error in update %s", update_id, exc_info=error)
        if isinstance(update, Update) and not count_failure(update, context):
            await release_claim(update, context)
            not_finished(update, context)
            raise ApplicationHandlerStop  # the finishing group must not run
        if isinstance(update, Update):
            log.error("update %s failed %d times; given up", update_id, MAX_UPDATE_ATTEMPTS)
        text = _(UNEXPECTED)
    if not isinstance(update, Update) or is_payment(update):
        return
    try:
        if update.callback_query:
            await update.callback_query.answer(text[:200], show_alert=True)
        elif update.pre_checkout_query:
            await update.pre_checkout_query.answer(ok=False, error_message=text[:255])
        elif update.effective_chat and update.effective_chat.type == "private":
            await context.bot.send_message(update.effective_chat.id, text)
        elif update.message is not None:  # a command in a group: answer the one who sent it
            await update.message.reply_text(text)
    except TelegramError:
        log.warning("could not tell the user about an error", exc_info=True)


def register(app: AnyApplication) -> None:
    app.add_error_handler(on_error)
