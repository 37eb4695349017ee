"""Last resort for buttons no flow claimed.

Registered after every flow, so it only sees what nothing else handled: a forged or outdated
button is refused through the error handler (an alert, never an effect).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.callbacks import ForgedCallback
from bot.handlers.context import AnyApplication, AnyContext


async def unknown_button(update: Update, context: AnyContext) -> None:
    raise ForgedCallback()


def register(app: AnyApplication) -> None:
    app.add_handler(CallbackQueryHandler(unknown_button))
