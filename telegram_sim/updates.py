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
        """Drop one update (confirmed by the webhook); by identity, as a redelivery is equal."""
        self.pending = [p for p in self.pending if p is not pending]


def chat_key(update: dict[str, Any]) -> int | str:
    """What Telegram serialises webhook delivery by: the chat, else the user, else the update.

    Telegram never has two updates of one chat in flight at once, so a bot sees a chat's
    updates in order even with many parallel connections.
    """
    payload = next(v for k, v in update.items() if k != "update_id")
    if isinstance(payload, dict):
        for holder in (payload, payload.get("message")):
            if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
                return int(holder["chat"]["id"])
        for field_name in ("from", "user"):
            if isinstance(payload.get(field_name), dict):
                return int(payload[field_name]["id"])
    return f"update:{update['update_id']}"


class WebhookSender:
    """POSTs pending updates to the webhook over up to `max_connections` parallel requests.

    As Telegram: updates of one chat go one at a time and in order (the next waits until the
    previous was confirmed with a 2xx); a failed POST is retried after `retry_delay`, keeping
    its chat blocked so nothing overtakes it. Pending updates, in flight or not, stay in the
    queue (and in getWebhookInfo's pending_update_count) until confirmed.
    """

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
        self.max_in_flight = 0  # the most POSTs ever in flight at once (tests, benchmarks)
        self._task: asyncio.Task[None] | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}  # id(pending) -> its delivery
        self._busy_chats: set[int | str] = set()

    def start(self) -> None:
        """Begin delivering in the background."""
        self._task = asyncio.create_task(self._run(), name="sim-webhook")

    async def stop(self) -> None:
        """Stop delivering; what is still pending (in flight too) stays pending."""
        tasks = [t for t in (self._task, *self._in_flight.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._in_flight.clear()
        self._busy_chats.clear()

    def _startable(self) -> list[_Pending]:
        """Oldest first: the pending updates that may go now (chat free, connection free)."""
        room = max(1, self.config.max_connections) - len(self._in_flight)
        chosen: list[_Pending] = []
        blocked: set[int | str] = set(self._busy_chats)
        for pending in self.queue.pending:
            if len(chosen) >= room:
                break
            key = chat_key(pending.update)
            if id(pending) in self._in_flight or key in blocked:
                blocked.add(key)
                continue
            blocked.add(key)
            chosen.append(pending)
        return chosen

    async def _run(self) -> None:
        headers = {"Content-Type": "application/json"}
        if self.config.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.config.secret_token
        timeout = aiohttp.ClientTimeout(total=10)
        connector = aiohttp.TCPConnector(limit=max(1, self.config.max_connections))
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            while True:
                async with self.queue.changed:
                    await self.queue.changed.wait_for(lambda: bool(self._startable()))
                    batch = self._startable()
                for pending in batch:
                    self._busy_chats.add(chat_key(pending.update))
                    self._in_flight[id(pending)] = asyncio.create_task(
                        self._deliver(session, pending, headers), name="sim-webhook-post"
                    )
                self.max_in_flight = max(self.max_in_flight, len(self._in_flight))

    async def _deliver(
        self, session: aiohttp.ClientSession, pending: _Pending, headers: dict[str, str]
    ) -> None:
        """POST until confirmed, then free the chat and the connection."""
        while True:
            if await self._post(session, pending.update, headers):
                break
            await asyncio.sleep(self.retry_delay)  # the chat stays blocked meanwhile
        async with self.queue.changed:  # not reached when stopped: the update stays pending
            self.queue.remove(pending)
            self._in_flight.pop(id(pending), None)
            self._busy_chats.discard(chat_key(pending.update))
            self.queue.changed.notify_all()

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
