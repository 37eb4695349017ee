"""Helpers shared by method modules: text/caption checks and message lookups."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram_sim.errors import bad_request
from telegram_sim.formatting import parse_text, utf16_len
from telegram_sim.model import Chat
from telegram_sim.world import World

Handler = Callable[[World, dict[str, Any]], Awaitable[Any]]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def parsed_text(params: dict[str, Any]) -> dict[str, Any]:
    """`text` and `entities` of a message after parsing; 1-4096 UTF-16 units."""
    text, entities = parse_text(params["text"], params.get("parse_mode"), params.get("entities"))
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > TEXT_LIMIT:
        raise bad_request("message is too long")
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    return content


def parsed_caption(params: dict[str, Any]) -> dict[str, Any]:
    """`caption` and `caption_entities` after parsing; 0-1024 UTF-16 units."""
    raw = params.get("caption")
    if raw is None:
        return {}
    text, entities = parse_text(raw, params.get("parse_mode"), params.get("caption_entities"))
    if utf16_len(text) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    content: dict[str, Any] = {}
    if text:
        content["caption"] = text
    if entities:
        content["caption_entities"] = entities
    return content


def writable_chat(world: World, params: dict[str, Any]) -> Chat:
    """The target chat after Telegram's access checks and flood control."""
    chat = world.find_chat(params["chat_id"])
    world.check_can_write(chat)
    world.check_flood(chat)
    return chat


def message_to_edit(world: World, params: dict[str, Any]) -> tuple[Chat, dict[str, Any]]:
    """The bot's own message addressed by chat_id + message_id, or Telegram's 400s."""
    if "inline_message_id" in params:
        raise bad_request("inline messages are not supported by the simulator")
    if "chat_id" not in params:
        raise bad_request("chat_id is empty")
    if "message_id" not in params:
        raise bad_request("message identifier is not specified")
    chat = world.find_chat(params["chat_id"])
    world.check_member(chat)
    message = world.get_message(chat, params["message_id"])
    if message is None:
        raise bad_request("message to edit not found")
    sender = message.get("from", {}).get("id")
    if chat.type != "channel" and sender != world.bot.id:
        raise bad_request("message can't be edited")
    return chat, message


NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
