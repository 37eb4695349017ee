"""Updates handled concurrently, but each chat's updates one after another and in order.

python-telegram-bot's `concurrent_updates` runs updates side by side with no ordering at all:
a user's quick second message could be handled before their first, and the database-backed
conversation would then read a stale step. `PerChatUpdateProcessor` keeps a chain per chat
(by the effective chat, else the effective user): an update starts only when the previous
update of its chat has finished, while updates of different chats share up to
`max_concurrent_updates` slots.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's own semaphore is made wide so it never makes an update wait: updates then enter
# `do_process_update` in arrival order, where the chain for their chat is taken at once.
_NEVER_BLOCKS = 1 << 20


def chat_key(update: object) -> object:
    """What orders updates: the chat, else the user; unrelated updates get their own key."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return ("update", id(update))


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to `limit` updates at once; never two of one chat, and a chat's in arrival order."""

    def __init__(self, limit: int) -> None:
        super().__init__(_NEVER_BLOCKS)
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)
        self._tails: dict[object, asyncio.Event] = {}  # chat -> done-event of its last update

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        previous = self._tails.get(key)  # taken before any await: arrival order is kept
        done = asyncio.Event()
        self._tails[key] = done
        try:
            if previous is not None:
                await previous.wait()
            async with self._slots:
                await coroutine
        finally:
            done.set()
            if self._tails.get(key) is done:
                del self._tails[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
