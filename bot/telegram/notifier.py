"""The notifier adapter: sends an `OutgoingMessage` to a chat.

`TelegramNotifier` uses the bot (its rate limiter retries 429s after `retry_after`); the fakes
for tests are in `tests/fakes/notifiers.py`.
"""

from __future__ import annotations

from typing import Protocol

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.telegram.html_split import split_html
from bot.telegram.messages import MAX_CAPTION, MAX_TEXT, OutgoingMessage


class Notifier(Protocol):
    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        """Send and return the Telegram message id."""
        ...


class TelegramNotifier:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        """Send; a text over Telegram's limit goes as several messages, never truncated.

        A photo or document whose caption would be too long is sent bare, followed by the
        text, so the file is never dropped. The buttons go with the last message; its id is
        returned.
        """
        if message.edit_message_id is not None:
            return await self._edit(chat_id, message.edit_message_id, message)
        media = message.document or message.photo
        if media and len(message.text) <= MAX_CAPTION:
            return await self._send_media(chat_id, message, message.text, message.markup())
        if media:
            await self._send_media(chat_id, message, None, None)
        parts = split_html(message.text, MAX_TEXT)
        sent_id = 0
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            sent = await self._bot.send_message(
                chat_id,
                part,
                parse_mode=ParseMode.HTML,
                reply_markup=message.markup() if last else None,
                link_preview_options=None,
            )
            sent_id = sent.message_id
        return sent_id

    async def _send_media(
        self,
        chat_id: int,
        message: OutgoingMessage,
        caption: str | None,
        markup: InlineKeyboardMarkup | None,
    ) -> int:
        if message.document:
            sent = await self._bot.send_document(
                chat_id,
                message.document,
                caption=caption or None,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        else:
            assert message.photo is not None
            sent = await self._bot.send_photo(
                chat_id,
                message.photo,
                caption=caption or None,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        return sent.message_id

    async def _edit(self, chat_id: int, message_id: int, message: OutgoingMessage) -> int:
        """Edit a photo's caption or a text; an edit that changes nothing is not an error.

        An edit is one message, so a text over the limit keeps its first valid part.
        """
        try:
            if message.photo:
                await self._bot.edit_message_caption(
                    chat_id=chat_id,
                    message_id=message_id,
                    caption=split_html(message.text, MAX_CAPTION)[0],
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.markup(),
                )
            else:
                await self._bot.edit_message_text(
                    split_html(message.text, MAX_TEXT)[0],
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.markup(),
                )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise
        return message_id
