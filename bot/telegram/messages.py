"""Outgoing messages as plain data, rendered to Telegram markup in one place.

Texts are HTML (`parse_mode=HTML`): every piece of user text is escaped with `escape` before it
goes into a template, so titles full of `<`, `&`, `*` or `_` never break parsing.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_TEXT = 4096
MAX_CAPTION = 1024


def escape(text: object) -> str:
    """Escape user text for HTML parse mode."""
    return html.escape(str(text), quote=False)


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: exactly one of callback data (from the codec) or a URL."""

    label: str
    data: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise ValueError("a button needs exactly one of data or url")


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """What the bot says: HTML text, inline keyboard rows, optionally a photo."""

    text: str
    buttons: Sequence[Sequence[Button]] = field(default_factory=tuple)
    photo: str | None = None  # a Telegram file_id
    #: Edit this message of the chat instead of sending a new one (group posts kept up to date).
    edit_message_id: int | None = None
    #: A file re-sent by file_id with `text` as its caption (deliveries, the order chat).
    document: str | None = None

    def markup(self) -> InlineKeyboardMarkup | None:
        if not self.buttons:
            return None
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(b.label, callback_data=b.data, url=b.url) for b in row]
                for row in self.buttons
                if row
            ]
        )


def truncate(text: str, limit: int) -> str:
    """Cut text to `limit` characters with an ellipsis (for previews, never for money)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
