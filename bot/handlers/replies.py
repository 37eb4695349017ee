"""Small helpers the seller flows share: who is acting, and sending an `OutgoingMessage`.

Every flow answers in the chat the user acted in, with HTML text or a photo card; keeping that
in one place means a card is sent the same way from a command, a button or a deep link.
"""

from __future__ import annotations

from telegram import Update

from bot.errors import NotAllowed
from bot.handlers.context import AnyContext
from bot.services.ports import TelegramIdentity
from bot.telegram.messages import OutgoingMessage
from bot.telegram.notifier import TelegramNotifier


def identity(update: Update) -> TelegramIdentity:
    """The acting Telegram user, as the services know users."""
    user = update.effective_user
    if user is None:
        raise NotAllowed()
    return TelegramIdentity(user.id, user.first_name, user.username, user.language_code)


async def reply(update: Update, context: AnyContext, *messages: OutgoingMessage) -> None:
    """Send each message (photo cards included) to the chat the update came from."""
    chat = update.effective_chat
    if chat is None:
        return
    notifier = TelegramNotifier(context.bot)
    for message in messages:
        await notifier.send(chat.id, message)


async def acknowledge(update: Update, text: str | None = None) -> None:
    """Answer the button press (after the service accepted it, so refusals can still alert)."""
    if update.callback_query is not None:
        await update.callback_query.answer(text)
