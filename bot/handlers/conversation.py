"""Routes a private message to the step of the guided conversation the user is in.

Flows register a `StepHandler` for their name in `Deps.steps`; the user's `Progress` (in the
database) says which flow and step a message belongs to. PTB's filters cannot look into the
database, so this one residual handler (`bot.handlers.routing.Residual`: it takes only the
private messages no other route claims, wherever it is registered) does the routing; a message
with no conversation in progress gets a pointer to the menu.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.handlers.context import AnyApplication, AnyContext, deps, translator
from bot.handlers.routing import Residual


async def route_message(update: Update, context: AnyContext) -> None:
    dependencies = deps(context)
    user = update.effective_user
    progress = await dependencies.progress.get(user.id) if user else None
    if progress is not None:
        step_handler = dependencies.steps.get(progress.flow)
        if step_handler is not None:
            await step_handler(update, context, progress)
            return
    _ = translator(update, context)
    if update.effective_message is not None:
        await update.effective_message.reply_html(
            _("I was not expecting a message here. /start opens the menu.")
        )


def register(app: AnyApplication) -> None:
    private_text = MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, route_message)
    app.add_handler(Residual(private_text, app))
