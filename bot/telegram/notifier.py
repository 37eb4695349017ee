"""The notifier adapter: sends an `OutgoingMessage` to a chat.

`TelegramNotifier` uses the bot (its rate limiter retries 429s after `retry_after`);
`RecordingNotifier` keeps what was sent, for tests of code that sends.
"""

from __future__ import annotations

from typing import Protocol

from telegram import Bot
from telegram.constants import ParseMode

from bot.telegram.messages import MAX_CAPTION, OutgoingMessage


class Notifier(Protocol):
    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        """Send and return the Telegram message id."""
        ...


class TelegramNotifier:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        if message.photo and len(message.text) <= MAX_CAPTION:
            sent = await self._bot.send_photo(
                chat_id,
                message.photo,
                caption=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=message.markup(),
            )
        else:
            sent = await self._bot.send_message(
                chat_id,
                message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=message.markup(),
                link_preview_options=None,
            )
        return sent.message_id


class RecordingNotifier:
    """A fake notifier: remembers every message instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, OutgoingMessage]] = []

    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        self.sent.append((chat_id, message))
        return len(self.sent)
