"""Sending, editing, copying and deleting messages, chat actions and callback answers."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from telegram_sim.errors import QUERY_TOO_OLD, bad_request
from telegram_sim.markup import validate_reply_markup
from telegram_sim.methods.common import (
    NOT_MODIFIED,
    Handler,
    message_to_edit,
    parsed_caption,
    parsed_text,
    writable_chat,
)
from telegram_sim.world import World

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
COPYABLE = ("text", "photo", "document", "caption", "entities", "caption_entities")


async def send_message(world: World, params: dict[str, Any]) -> dict[str, Any]:
    """sendMessage."""
    content = parsed_text(params)
    validate_reply_markup(params.get("reply_markup"))
    chat = writable_chat(world, params)
    return await world.post_bot_message(chat, content, params)


def _edit_markup(message: dict[str, Any], params: dict[str, Any]) -> dict[str, Any] | None:
    markup = validate_reply_markup(params.get("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    return markup


async def _apply_edit(
    world: World,
    chat_id: int,
    message: dict[str, Any],
    content: dict[str, Any],
    markup: dict[str, Any] | None,
    content_keys: tuple[str, ...],
) -> dict[str, Any]:
    current = {k: message.get(k) for k in content_keys}
    wanted = {k: content.get(k) for k in content_keys}
    if current == wanted and message.get("reply_markup") == markup:
        raise bad_request(NOT_MODIFIED)
    for key in content_keys:
        message.pop(key, None)
    message.update(content)
    if markup:
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)
    message["edit_date"] = world.date()
    await world.record_output("edit", chat_id, message)
    return message


async def edit_message_text(world: World, params: dict[str, Any]) -> dict[str, Any]:
    """editMessageText."""
    content = parsed_text(params)
    chat, message = message_to_edit(world, params)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    markup = _edit_markup(message, params)
    return await _apply_edit(world, chat.id, message, content, markup, ("text", "entities"))


async def edit_message_caption(world: World, params: dict[str, Any]) -> dict[str, Any]:
    """editMessageCaption."""
    content = parsed_caption(params)
    chat, message = message_to_edit(world, params)
    if "text" in message:
        raise bad_request("there is no caption in the message to edit")
    markup = _edit_markup(message, params)
    keys = ("caption", "caption_entities")
    return await _apply_edit(world, chat.id, message, content, markup, keys)


async def edit_message_reply_markup(world: World, params: dict[str, Any]) -> dict[str, Any]:
    """editMessageReplyMarkup."""
    chat, message = message_to_edit(world, params)
    markup = _edit_markup(message, params)
    return await _apply_edit(world, chat.id, message, {}, markup, ())


async def delete_message(world: World, params: dict[str, Any]) -> bool:
    """deleteMessage: the bot's messages, or anyone's where the bot is an admin."""
    chat = world.find_chat(params["chat_id"])
    world.check_member(chat)
    message = world.get_message(chat, params["message_id"])
    if message is None:
        raise bad_request("message to delete not found")
    own = message.get("from", {}).get("id") == world.bot.id
    admin = chat.status_of(world.bot.id) == "administrator"
    if not own and chat.type != "private" and not admin:
        raise bad_request("message can't be deleted")
    chat.deleted.add(params["message_id"])
    await world.record_output("delete", chat.id, message)
    return True


async def copy_message(world: World, params: dict[str, Any]) -> dict[str, int]:
    """copyMessage: content and caption, without a link to the original."""
    source = world.find_chat(params["from_chat_id"])
    original = world.get_message(source, params["message_id"])
    if original is None:
        raise bad_request("message to copy not found")
    if not any(k in original for k in ("text", "photo", "document")):
        raise bad_request("message can't be copied")
    validate_reply_markup(params.get("reply_markup"))
    content = {k: v for k, v in original.items() if k in COPYABLE}
    if "caption" in params:
        content.pop("caption", None)
        content.pop("caption_entities", None)
        content.update(parsed_caption(params))
    chat = writable_chat(world, params)
    message = await world.post_bot_message(chat, content, params)
    return {"message_id": message["message_id"]}


async def send_chat_action(world: World, params: dict[str, Any]) -> bool:
    """sendChatAction: recorded, no output."""
    if params["action"] not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat = world.find_chat(params["chat_id"])
    world.check_can_write(chat)
    world.chat_actions.append((chat.id, params["action"]))
    return True


async def answer_callback_query(world: World, params: dict[str, Any]) -> bool:
    """answerCallbackQuery: resolves the person's pending tap, once."""
    query_id = params["callback_query_id"]
    future = world.answers.get(query_id)
    if future is None or future.done() or query_id in world.callback_answers:
        raise bad_request(QUERY_TOO_OLD)
    text = params.get("text", "")
    if len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    keys = ("text", "show_alert", "url", "cache_time")
    answer: dict[str, Any] = {k: params[k] for k in keys if k in params}
    world.callback_answers[query_id] = answer
    future.set_result(answer)
    return True


HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        "sendMessage": send_message,
        "editMessageText": edit_message_text,
        "editMessageCaption": edit_message_caption,
        "editMessageReplyMarkup": edit_message_reply_markup,
        "deleteMessage": delete_message,
        "copyMessage": copy_message,
        "sendChatAction": send_chat_action,
        "answerCallbackQuery": answer_callback_query,
    }
)
