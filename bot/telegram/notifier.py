"""The notifier adapter: sends an `OutgoingMessage` to a chat.

`TelegramNotifier` uses the bot (its rate limiter retries 429s after `retry_after`);
`RecordingNotifier` keeps what was sent, for tests of code that sends.
"""

from __future__ import annotations

from typing import Protocol

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.telegram.messages import MAX_CAPTION, OutgoingMessage


class Notifier(Protocol):
    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        """Send and return the Telegram message id."""
        ...


class TelegramNotifier:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        if message.edit_message_id is not None:
            return await self._edit(chat_id, message.edit_message_id, message)
        if message.document and len(message.text) <= MAX_CAPTION:
            sent = await self._bot.send_document(
                chat_id,
                message.document,
                caption=message.text or None,
                parse_mode=ParseMode.HTML,
                reply_markup=message.markup(),
            )
        elif message.photo and len(message.text) <= MAX_CAPTION:
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

    async def _edit(self, chat_id: int, message_id: int, message: OutgoingMessage) -> int:
        """Edit a photo's caption or a text; an edit that changes nothing is not an error."""
        try:
            if message.photo:
                await self._bot.edit_message_caption(
                    chat_id=chat_id,
                    message_id=message_id,
                    caption=message.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.markup(),
                )
            else:
                await self._bot.edit_message_text(
                    message.text,
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.markup(),
                )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise
        return message_id


class RecordingNotifier:
    """A fake notifier: remembers every message instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, OutgoingMessage]] = []

    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        self.sent.append((chat_id, message))
        return len(self.sent)

