"""Last resort for updates no flow claimed: stale or forged buttons, stray messages.

Registered after every flow, so it only sees what nothing else handled. A forged or outdated
button is refused through the error handler (an alert, never an effect); a message that no
step was waiting for gets a pointer to the menu instead of silence.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.callbacks import ForgedCallback
from bot.handlers.context import AnyApplication, AnyContext, translator


async def unknown_button(update: Update, context: AnyContext) -> None:
    raise ForgedCallback()


async def unexpected_message(update: Update, context: AnyContext) -> None:
    _ = translator(update, context)
    if update.effective_message is not None:
        await update.effective_message.reply_html(
            _("I was not expecting a message here. /start opens the menu.")
        )


def register(app: AnyApplication) -> None:
    app.add_handler(CallbackQueryHandler(unknown_button))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, unexpected_message))
