"""getChat, getChatMember, getChatAdministrators, getChatMemberCount, leaveChat."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from telegram_sim.errors import bad_request
from telegram_sim.methods.common import Handler
from telegram_sim.model import Member
from telegram_sim.world import World

_GIFTS = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}


async def get_chat(world: World, params: dict[str, Any]) -> dict[str, Any]:
    """getChat: a ChatFullInfo with the fields PTB requires."""
    chat = world.find_chat(params["chat_id"])
    world.check_member(chat)
    info = chat.to_api()
    info.update({"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": _GIFTS})
    return info


async def get_chat_member(world: World, params: dict[str, Any]) -> dict[str, Any]:
    """getChatMember: creator/administrator/member/left/kicked."""
    chat = world.find_chat(params["chat_id"])
    world.check_member(chat)
    user_id = params["user_id"]
    user = world.bot if user_id == world.bot.id else world.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    if chat.type == "private":
        return Member(user, "member").to_api(chat.type)
    member = chat.members.get(user_id) or Member(user, "left")
    return member.to_api(chat.type)


async def get_chat_administrators(world: World, params: dict[str, Any]) -> list[dict[str, Any]]:
    """getChatAdministrators: the creator and administrators (the bot too if it is one)."""
    chat = world.find_chat(params["chat_id"])
    world.check_member(chat)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = [m for m in chat.members.values() if m.status in ("creator", "administrator")]
    return [m.to_api(chat.type) for m in admins]


async def get_chat_member_count(world: World, params: dict[str, Any]) -> int:
    """getChatMemberCount."""
    chat = world.find_chat(params["chat_id"])
    world.check_member(chat)
    if chat.type == "private":
        return 2
    return sum(1 for m in chat.members.values() if m.status not in ("left", "kicked"))


async def leave_chat(world: World, params: dict[str, Any]) -> bool:
    """leaveChat: the bot leaves; later sends get 403."""
    chat = world.find_chat(params["chat_id"])
    world.check_member(chat)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    chat.members[world.bot.id] = Member(world.bot, "left")
    return True


HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        "getChat": get_chat,
        "getChatMember": get_chat_member,
        "getChatAdministrators": get_chat_administrators,
        "getChatMemberCount": get_chat_member_count,
        "leaveChat": leave_chat,
    }
)
