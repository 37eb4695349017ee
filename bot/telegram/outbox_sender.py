"""Drains the outbox through the notifier, in each recipient's language.

Services commit notifications with their state change; this sender turns each row into a
message with the renderer registered for its kind and sends it. Telegram's 429s are retried by
the bot's rate limiter; what still fails for a passing reason is retried later; a chat that
blocked the bot or a message Telegram refuses is given up on with the reason recorded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.clock import Clock
from bot.i18n.catalogs import Catalogs, Translator
from bot.services.ports import OutboxMessage, UnitOfWorkFactory
from bot.telegram.messages import OutgoingMessage
from bot.telegram.notifier import Notifier

log = logging.getLogger(__name__)

Renderer = Callable[[Translator, Mapping[str, Any]], OutgoingMessage]
RETRY_BACKOFF = timedelta(seconds=5)
MAX_ATTEMPTS = 20


class RendererRegistry:
    """Notification kind -> renderer; each flow registers the notifications it owns."""

    def __init__(self) -> None:
        self._renderers: dict[str, Renderer] = {}
        self._hooks: dict[str, DeliveryHook] = {}

    def register(self, kind: str, renderer: Renderer) -> None:
        if kind in self._renderers:
            raise ValueError(f"notification kind {kind!r} registered twice")
        self._renderers[kind] = renderer

    def render(
        self, kind: str, translator: Translator, payload: Mapping[str, Any]
    ) -> OutgoingMessage:
        return self._renderers[kind](translator, payload)

    def __contains__(self, kind: object) -> bool:
        return kind in self._renderers

    def kinds(self) -> frozenset[str]:
        """Every kind with a renderer (checked against `bot.services.notices` by a test)."""
        return frozenset(self._renderers)

    def register_hook(self, kind: str, hook: DeliveryHook) -> None:
        """Steps around sending one kind (group posts record their message id, for example)."""
        if kind in self._hooks:
            raise ValueError(f"delivery hook for {kind!r} registered twice")
        self._hooks[kind] = hook

    def hook(self, kind: str) -> DeliveryHook | None:
        return self._hooks.get(kind)


class DeferDelivery(Exception):
    """Raised by a hook's `prepare` when the message must wait (tried again after a backoff)."""


class DeliveryHook(Protocol):
    """Optional steps around the delivery of one notification kind."""

    async def prepare(self, message: OutboxMessage) -> OutboxMessage | None:
        """The message to render (payload filled in), or None to drop it as no longer needed."""
        ...

    async def delivered(self, message: OutboxMessage, message_id: int) -> None: ...

    async def refused(self, message: OutboxMessage, forbidden: bool) -> None:
        """Telegram refused it for good; `forbidden` is a 403 (blocked, or bot removed)."""
        ...


@dataclass(frozen=True)
class _Outcome:
    message: OutboxMessage
    error: str | None
    retry: bool


class OutboxSender:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        notifier: Notifier,
        renderers: RendererRegistry,
        catalogs: Catalogs,
        clock: Clock,
        batch_size: int = 50,
        concurrency: int = 16,
        count_error: Callable[[str], None] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._notifier = notifier
        self._renderers = renderers
        self._catalogs = catalogs
        self._clock = clock
        self._batch_size = batch_size
        self._concurrency = asyncio.Semaphore(concurrency)
        self._draining = asyncio.Lock()
        self._count_error = count_error or (lambda _kind: None)
        self._wanted = False
        self._waking = False
        self._committed = False

    def committed(self) -> None:
        """Notifications were committed in this process: the next `wanted` drains them."""
        self._committed = True

    def wanted(self) -> bool:
        """Ask for a drain soon, if notifications were committed since the last ask; True when
        the caller must start `drain_while_wanted`.

        After every update: an update that queued nothing asks for nothing (the periodic drain
        still picks up what other replicas or retries leave); while a drain runs or waits,
        further requests only ask it to go round once more, instead of queueing one drain (and
        its claim) per update.
        """
        if not self._committed:
            return False
        self._committed = False
        self._wanted = True
        start, self._waking = not self._waking, True
        return start

    async def drain_while_wanted(self) -> int:
        handled = 0
        try:
            while self._wanted:
                self._wanted = False
                handled += await self.drain()
        finally:
            self._waking = False
        return handled

    async def drain(self) -> int:
        """Send everything due now; returns how many messages were handled.

        Per batch: one transaction leases the rows, one reads the recipients' languages, one
        records every outcome. A crash before the last one means the batch's leases run out
        and its messages are sent again: a resend, never a loss.
        """
        handled = 0
        async with self._draining:
            while True:
                async with self._uow() as uow:
                    batch = await uow.outbox.claim_due(self._clock.now(), self._batch_size)
                if not batch:
                    return handled
                async with self._uow(read_only=True) as uow:
                    languages = await uow.users.languages({m.chat_id for m in batch})
                # One chat's messages go in the order they were committed (a delivery's files
                # before its buttons); different chats are sent concurrently.
                by_chat: dict[int, list[OutboxMessage]] = {}
                for message in batch:
                    by_chat.setdefault(message.chat_id, []).append(message)
                outcomes: list[_Outcome] = []
                await asyncio.gather(
                    *(self._deliver_in_order(ms, languages, outcomes) for ms in by_chat.values())
                )
                await self._record(outcomes)
                handled += len(batch)

    async def _deliver_in_order(
        self,
        messages: list[OutboxMessage],
        languages: Mapping[int, str | None],
        outcomes: list[_Outcome],
    ) -> None:
        for message in messages:
            outcomes.append(await self._deliver(message, languages.get(message.chat_id)))

    async def _record(self, outcomes: list[_Outcome]) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            for outcome in outcomes:
                message = outcome.message
                if outcome.retry and message.attempts < MAX_ATTEMPTS:
                    await uow.outbox.mark_failed(
                        message.id, outcome.error or "", now + RETRY_BACKOFF
                    )
                else:
                    if outcome.error:
                        log.warning("outbox message %s given up: %s", message.id, outcome.error)
                    await uow.outbox.mark_sent(message.id, now, outcome.error)

    async def _deliver(self, message: OutboxMessage, language: str | None) -> _Outcome:
        async with self._concurrency:
            error: str | None = None
            retry = False
            hook = self._renderers.hook(message.kind)
            try:
                prepared = await hook.prepare(message) if hook is not None else message
                if prepared is not None:
                    # A group has no user row: its post hook names the chat's languages.
                    chat_languages = prepared.payload.get("languages")
                    translator = (
                        self._catalogs.for_languages(chat_languages)
                        if isinstance(chat_languages, list)
                        else self._catalogs.for_language(language)
                    )
                    outgoing = self._renderers.render(message.kind, translator, prepared.payload)
                    sent_id = await self._notifier.send(message.chat_id, outgoing)
                    if hook is not None:
                        await hook.delivered(prepared, sent_id)
            except DeferDelivery as exc:
                error, retry = f"deferred: {exc}", True
            except RetryAfter as exc:
                self._count_error("RetryAfter")
                error, retry = f"flood control: {exc}", True
            except Forbidden as exc:
                self._count_error("Forbidden")
                error = f"forbidden: {exc.message}"
                if hook is not None:
                    await hook.refused(message, forbidden=True)
                else:
                    await self._mark_blocked(message.chat_id)
            except BadRequest as exc:
                self._count_error("BadRequest")
                error = f"refused by Telegram: {exc.message}"
                if hook is not None:
                    await hook.refused(message, forbidden=False)
            except NetworkError as exc:
                self._count_error("NetworkError")
                error, retry = f"network: {exc}", True
            except Exception as exc:  # a renderer bug must not stop the other messages
                log.exception("outbox message %s (%s) failed", message.id, message.kind)
                error, retry = f"{type(exc).__name__}: {exc}", True
            return _Outcome(message, error, retry)

    async def _mark_blocked(self, chat_id: int) -> None:
        async with self._uow() as uow:
            if await uow.users.get(chat_id):
                await uow.users.update_profile(chat_id, self._clock.now(), bot_blocked=True)
