"""Durable long polling: no update is confirmed to Telegram before it is stored.

Telegram forgets an update once a getUpdates call asks for a higher offset. PTB's Updater sends
that offset on its next call, while the update may still be in the handler, so a process killed
then (kill -9, an OOM kill, a deploy) never sees the update again, a `successful_payment`
included. This source replaces it:

1. getUpdates with the offset of what is already stored;
2. the batch is written to the inbox (`inbound_updates`, keyed by update_id) in one
   transaction; while that fails it is retried with back-off and the offset is NOT advanced,
   so nothing unrecorded is ever handled and nothing is confirmed;
3. only then the offset moves past the batch and the updates go to PTB's update queue.

At start the inbox's unfinished updates (stored by a predecessor that was stopped or killed
before finishing them) are queued again, their stale claims released. An update whose handling
failed or could not be claimed (`Deps.on_update_failed`) is queued again after a back-off.
The inbox row is marked finished with the update's claim (`UpdateFinisher`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError

from bot.clock import Clock
from bot.handlers.context import AnyApplication
from bot.services.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)

RESTORE_BATCH = 500
MAX_TRACKED_RETRIES = 10_000


class Backoff:
    """Delays that double from `first` up to `cap`."""

    def __init__(self, first: float, cap: float) -> None:
        self.first = first
        self.cap = cap

    def delay(self, attempt: int) -> float:
        return float(min(self.cap, self.first * (2 ** max(0, min(attempt, 30)))))


# Called after a batch was stored and before it is queued (the chaos suite kills there).
StoredHook = Callable[[Sequence[Update]], Awaitable[None]]


class DurablePoller:
    def __init__(
        self,
        app: AnyApplication,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        timeout: int,
        allowed_updates: Sequence[str],
        backoff: Backoff | None = None,
        after_store: StoredHook | None = None,
    ) -> None:
        self._app = app
        self._uow = uow
        self._clock = clock
        self._timeout = timeout
        self._allowed = list(allowed_updates)
        self._backoff = backoff or Backoff(1.0, 60.0)
        self._after_store = after_store
        self._offset: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._retries: dict[int, int] = {}  # update_id -> re-queues so far
        self._retry_tasks: set[asyncio.Task[None]] = set()
        self.stored = 0  # updates written to the inbox by this process (tests, metrics)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> int:
        """Queue the inbox's unfinished updates again, then poll; how many were queued."""
        restored = await self._restore()
        self._task = asyncio.create_task(self._run(), name="durable-polling")
        return restored

    async def stop(self, *, confirm: bool = True) -> None:
        """Stop polling. With `confirm`, tell Telegram that what is stored was received (it is
        safe: stored updates are handled from the inbox) so it is not delivered again."""
        task, self._task = self._task, None
        for pending in (task, *self._retry_tasks):
            if pending is not None:
                pending.cancel()
        for pending in (task, *self._retry_tasks):
            if pending is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await pending
        self._retry_tasks.clear()
        if confirm and self._offset is not None:
            with contextlib.suppress(TelegramError):
                await self._app.bot.get_updates(offset=self._offset, timeout=0, limit=1)

    def retry(self, update: Update) -> None:
        """Queue `update` again after a back-off (its handling failed or was not claimed)."""
        if not self.running:
            return  # stopping: the inbox row is handled by the next start
        if len(self._retries) > MAX_TRACKED_RETRIES:
            self._retries.clear()
        attempt = self._retries.get(update.update_id, 0)
        self._retries[update.update_id] = attempt + 1
        task = asyncio.create_task(
            self._requeue(update, self._backoff.delay(attempt)), name="update-retry"
        )
        self._retry_tasks.add(task)
        task.add_done_callback(self._retry_tasks.discard)

    async def _requeue(self, update: Update, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._app.update_queue.put(update)

    async def _restore(self) -> int:
        """Queue every stored, unfinished update again, page by page (Telegram will not send
        them again: their offset was confirmed once they were stored)."""
        async with self._uow() as uow:
            # One process polls: unfinished claims are its predecessor's, cut short.
            await uow.updates.release_unfinished()
        restored, after = 0, None
        while True:
            async with self._uow() as uow:
                rows = await uow.inbox.unfinished(RESTORE_BATCH, after=after)
            for update_id, payload in rows:
                update = Update.de_json(dict(payload), self._app.bot)
                await self._app.update_queue.put(update)
                after = update_id
            restored += len(rows)
            if len(rows) < RESTORE_BATCH:
                break
        if restored:
            log.warning("%d stored update(s) not finished before the last stop: handled again",
                        restored)  # fmt: skip
        return restored

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                updates = await self._app.bot.get_updates(
                    offset=self._offset, timeout=self._timeout, allowed_updates=self._allowed
                )
            except InvalidToken:
                log.critical("getUpdates: the bot token is invalid; polling stopped")
                raise
            except RetryAfter as error:
                await asyncio.sleep(_seconds(error.retry_after))
                continue
            except TelegramError as error:
                log.warning("getUpdates failed: %s", error)
                await asyncio.sleep(self._backoff.delay(failures))
                failures += 1
                continue
            failures = 0
            if not updates:
                continue
            await self._store(updates)
            if self._after_store is not None:
                await self._after_store(updates)
            self._offset = updates[-1].update_id + 1
            for update in updates:
                await self._app.update_queue.put(update)

    async def _store(self, updates: Sequence[Update]) -> None:
        """Write the batch to the inbox, retrying with back-off until it is written."""
        rows = [(update.update_id, update.to_dict()) for update in updates]
        attempt = 0
        while True:
            try:
                async with self._uow() as uow:
                    stored = await uow.inbox.store_many(rows, self._clock.now())
                self.stored += stored
                return
            except Exception:
                delay = self._backoff.delay(attempt)
                log.warning("could not store %d update(s); retrying in %.1fs", len(rows), delay,
                            exc_info=True)  # fmt: skip
                attempt += 1
                await asyncio.sleep(delay)


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
