"""Pending updates: long polling with offsets, redelivery, and webhook delivery.

Telegram keeps each update until the bot confirms it (getUpdates with a higher offset, or a
2xx answer from the webhook). `redeliver` re-queues an update with its original update_id, the
way Telegram repeats unconfirmed updates after a bot crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

# Updates Telegram leaves out unless allowed_updates names them explicitly.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class _Pending:
    update: dict[str, Any]
    redelivered: bool = False
    delivered: bool = False


@dataclass
class WebhookConfig:
    """What setWebhook configured."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class UpdateQueue:
    """The bot's unconfirmed updates and the log of every update ever created."""

    pending: list[_Pending] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 1
    allowed_updates: list[str] | None = None
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def update_type(self, update: dict[str, Any]) -> str:
        """The update's kind: the one key besides update_id."""
        return next(k for k in update if k != "update_id")

    def is_allowed(self, kind: str) -> bool:
        """allowed_updates as Telegram applies it; empty/None means all but the opt-in ones."""
        if not self.allowed_updates:
            return kind not in OPT_IN_UPDATES
        return kind in self.allowed_updates

    async def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Create an update (if allowed) with the next update_id and wake the pollers."""
        if not self.is_allowed(kind):
            return None
        update = {"update_id": self.next_id, kind: payload}
        self.next_id += 1
        self.sent.append(update)
        async with self.changed:
            self.pending.append(_Pending(update))
            self.changed.notify_all()
        return update

    async def redeliver(self, update_id: int) -> dict[str, Any]:
        """Queue the very same update again (same update_id)."""
        update = next((u for u in self.sent if u["update_id"] == update_id), None)
        if update is None:
            raise KeyError(f"no update {update_id} was ever sent")
        async with self.changed:
            self.pending.append(_Pending(update, redelivered=True))
            self.changed.notify_all()
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates below `offset`; a redelivered one is kept until it was returned once."""
        if offset < 0:
            keep = -offset
            self.pending = self.pending[-keep:] if keep else []
            return
        self.pending = [
            p
            for p in self.pending
            if p.update["update_id"] >= offset or (p.redelivered and not p.delivered)
        ]

    def drop_all(self) -> None:
        """deleteWebhook/setWebhook with drop_pending_updates."""
        self.pending.clear()

    async def get(
        self, offset: int | None, limit: int, wait_seconds: float
    ) -> list[dict[str, Any]]:
        """getUpdates: confirm by offset, then return at once or wait up to `wait_seconds`."""
        if offset is not None:
            self.confirm(offset)
        async with self.changed:
            if not self.pending and wait_seconds > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self.changed.wait_for(lambda: bool(self.pending)), wait_seconds
                    )
            batch = self.pending[:limit]
        for p in batch:
            p.delivered = True
        return [p.update for p in batch]

    def remove(self, pending: _Pending) -> None:
        """Drop one update (confirmed by the webhook)."""
        with contextlib.suppress(ValueError):
            self.pending.remove(pending)


class WebhookSender:
    """POSTs pending updates, one at a time and in order, to the webhook; retries failures."""

    def __init__(
        self,
        queue: UpdateQueue,
        config: WebhookConfig,
        retry_delay: float,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.queue = queue
        self.config = config
        self.retry_delay = retry_delay
        self.now = now
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin delivering in the background."""
        self._task = asyncio.create_task(self._run(), name="sim-webhook")

    async def stop(self) -> None:
        """Stop delivering; what is still pending stays pending."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        headers = {"Content-Type": "application/json"}
        if self.config.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.config.secret_token
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                async with self.queue.changed:
                    await self.queue.changed.wait_for(lambda: bool(self.queue.pending))
                    head = self.queue.pending[0]
                if await self._post(session, head.update, headers):
                    self.queue.remove(head)
                else:
                    await asyncio.sleep(self.retry_delay)

    async def _post(
        self, session: aiohttp.ClientSession, update: dict[str, Any], headers: dict[str, str]
    ) -> bool:
        try:
            async with session.post(self.config.url, json=update, headers=headers) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return True
                error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {exc.__class__.__name__}"
        log.debug("webhook delivery failed: %s", error)
        self.config.last_error_date = int(self.now())
        self.config.last_error_message = error
        return False
