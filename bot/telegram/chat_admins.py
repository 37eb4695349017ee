"""Admin rights of a group or channel, asked from Telegram (getChatMember) every time.

Not cached on purpose: an admin demoted a minute ago must not change settings any more, and
settings changes are rare enough that one request each costs nothing.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})


class TelegramChatAdmins:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        try:
            member = await self._bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:  # bot removed, chat gone: nobody may change anything
            log.info("getChatMember(%s, %s) failed: %s", chat_id, user_id, exc)
            return False
        return member.status in ADMIN_STATUSES
