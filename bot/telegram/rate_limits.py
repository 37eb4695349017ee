"""The bot's rate limiter: python-telegram-bot's AIORateLimiter, for sending only.

AIORateLimiter counts every request that names a group against that group's 20 messages a
minute, reads included. Telegram's limits are about what the bot sends; the admin check before
each settings change (getChatMember) would otherwise halve what an admin can do in a minute
and delay group posts queued behind it. Reads (`get*`) therefore go straight through; every
send and edit is limited as before, and 429s are still retried after `retry_after`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter


class SendingRateLimiter(AIORateLimiter):
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if endpoint.lower().startswith("get"):
            return await callback(*args, **kwargs)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
