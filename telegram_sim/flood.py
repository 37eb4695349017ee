"""Telegram's flood control, as token buckets with an injectable clock.

Telegram documents about 30 messages a second overall, about one a second per private chat
(short bursts tolerated) and 20 a minute per group; beyond that it answers 429 with
``retry_after``. The limits are per server instance so end-to-end tests can switch them off
and flood tests can make them strict without waiting in real time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]


@dataclass(frozen=True)
class FloodLimits:
    """Rates in tokens per second and bucket sizes (bursts). Defaults are Telegram's."""

    enabled: bool = True
    global_per_second: float = 30.0
    global_burst: int = 30
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_second: float = 20.0 / 60.0
    group_burst: int = 20

    @classmethod
    def off(cls) -> FloodLimits:
        """No flood control at all (end-to-end tests, benchmarks)."""
        return cls(enabled=False)

    @classmethod
    def strict(cls) -> FloodLimits:
        """No bursts: the second message to a private chat within a second is refused."""
        return cls(global_burst=30, private_burst=1, group_burst=1)


@dataclass
class TokenBucket:
    """A bucket that refills continuously at `rate` tokens per second up to `capacity`."""

    rate: float
    capacity: int
    clock: Clock
    tokens: float = field(init=False)
    updated: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.capacity)
        self.updated = self.clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self) -> float:
        """Seconds until one token is available (0 if one is there now)."""
        self._refill()
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.rate

    def take(self) -> None:
        """Consume one token; call only after `wait_time()` returned 0."""
        self._refill()
        self.tokens -= 1


class FloodControl:
    """One global bucket and one bucket per chat, checked together before each send."""

    def __init__(self, limits: FloodLimits, clock: Clock = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._global = TokenBucket(limits.global_per_second, limits.global_burst, clock)
        self._chats: dict[int, TokenBucket] = {}

    def _chat_bucket(self, chat_id: int, private: bool) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            lim = self.limits
            if private:
                bucket = TokenBucket(lim.private_per_second, lim.private_burst, self.clock)
            else:
                bucket = TokenBucket(lim.group_per_second, lim.group_burst, self.clock)
            self._chats[chat_id] = bucket
        return bucket

    def check(self, chat_id: int, private: bool) -> int | None:
        """Take a token for a send to the chat, or return the whole seconds to wait."""
        if not self.limits.enabled:
            return None
        chat = self._chat_bucket(chat_id, private)
        wait = max(self._global.wait_time(), chat.wait_time())
        if wait > 0:
            return max(1, math.ceil(wait))
        self._global.take()
        chat.take()
        return None
