"""Last resort for buttons no flow claimed.

A residual route (`bot.handlers.routing.Residual`): it only takes what no other route claims,
wherever it is registered, so a forged or outdated button is refused through the error handler
(an alert, never an effect).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.callbacks import ForgedCallback
from bot.handlers.context import AnyApplication, AnyContext
from bot.handlers.routing import Residual


async def unknown_button(update: Update, context: AnyContext) -> None:
    raise ForgedCallback()


def register(app: AnyApplication) -> None:
    app.add_handler(Residual(CallbackQueryHandler(unknown_button), app))
