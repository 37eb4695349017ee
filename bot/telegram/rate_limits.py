"""The bot's rate limiter: python-telegram-bot's AIORateLimiter, for sending only.

AIORateLimiter counts every request that names a group against that group's 20 messages a
minute, reads included. Telegram's limits are about what the bot sends; the admin check before
each settings change (getChatMember) would otherwise halve what an admin can do in a minute
and delay group posts queued behind it. Reads (`get*`) therefore go straight through; every
send and edit is limited as before, and 429s are still retried after `retry_after`.
The overall rate keeps a small margin below 30/s (see OVERALL_PER_SECOND).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

#: A little under Telegram's 30 a second: requests leave the limiter evenly spaced but reach
#: Telegram with network jitter, and each 429 stops every send for at least a second.
OVERALL_PER_SECOND = 29


class SendingRateLimiter(AIORateLimiter):
    def __init__(self, max_retries: int = 0, overall_per_second: int = OVERALL_PER_SECOND) -> None:
        # 0 lifts the overall cap (a simulator with flood limits off, in benchmarks).
        super().__init__(overall_max_rate=overall_per_second, max_retries=max_retries)

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
