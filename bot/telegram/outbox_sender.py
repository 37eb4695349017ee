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
    ) -> None:
        self._uow = uow_factory
        self._notifier = notifier
        self._renderers = renderers
        self._catalogs = catalogs
        self._clock = clock
        self._batch_size = batch_size
        self._concurrency = asyncio.Semaphore(concurrency)
        self._draining = asyncio.Lock()

    async def drain(self) -> int:
        """Send everything due now; returns how many messages were handled."""
        handled = 0
        async with self._draining:
            while True:
                async with self._uow() as uow:
                    batch = await uow.outbox.claim_due(self._clock.now(), self._batch_size)
                if not batch:
                    return handled
                # One chat's messages go in the order they were committed (a delivery's files
                # before its buttons); different chats are sent concurrently.
                by_chat: dict[int, list[OutboxMessage]] = {}
                for message in batch:
                    by_chat.setdefault(message.chat_id, []).append(message)
                await asyncio.gather(*(self._deliver_in_order(ms) for ms in by_chat.values()))
                handled += len(batch)

    async def _deliver_in_order(self, messages: list[OutboxMessage]) -> None:
        for message in messages:
            await self._deliver(message)

    async def _language(self, chat_id: int) -> str | None:
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get(chat_id)
        return user.language_code if user else None

    async def _deliver(self, message: OutboxMessage) -> None:
        async with self._concurrency:
            error: str | None = None
            retry = False
            hook = self._renderers.hook(message.kind)
            try:
                prepared = await hook.prepare(message) if hook is not None else message
                if prepared is not None:
                    # A group has no user row: its post hook names the chat's languages.
                    languages = prepared.payload.get("languages")
                    translator = (
                        self._catalogs.for_languages(languages)
                        if isinstance(languages, list)
                        else self._catalogs.for_language(await self._language(message.chat_id))
                    )
                    outgoing = self._renderers.render(message.kind, translator, prepared.payload)
                    sent_id = await self._notifier.send(message.chat_id, outgoing)
                    if hook is not None:
                        await hook.delivered(prepared, sent_id)
            except DeferDelivery as exc:
                error, retry = f"deferred: {exc}", True
            except RetryAfter as exc:
                error, retry = f"flood control: {exc}", True
            except Forbidden as exc:
                error = f"forbidden: {exc.message}"
                if hook is not None:
                    await hook.refused(message, forbidden=True)
                else:
                    await self._mark_blocked(message.chat_id)
            except BadRequest as exc:
                error = f"refused by Telegram: {exc.message}"
                if hook is not None:
                    await hook.refused(message, forbidden=False)
            except NetworkError as exc:
                error, retry = f"network: {exc}", True
            except Exception as exc:  # a renderer bug must not stop the other messages
                log.exception("outbox message %s (%s) failed", message.id, message.kind)
                error, retry = f"{type(exc).__name__}: {exc}", True
            now = self._clock.now()
            async with self._uow() as uow:
                if retry and message.attempts < MAX_ATTEMPTS:
                    await uow.outbox.mark_failed(message.id, error or "", now + RETRY_BACKOFF)
                else:
                    if error:
                        log.warning("outbox message %s given up: %s", message.id, error)
                    await uow.outbox.mark_sent(message.id, now, error)

    async def _mark_blocked(self, chat_id: int) -> None:
        async with self._uow() as uow:
            if await uow.users.get(chat_id):
                await uow.users.update_profile(chat_id, self._clock.now(), bot_blocked=True)
