"""What every handler needs, reached through the Application (no module-level singletons).

The composition root puts one `Deps` into `application.bot_data`; handlers call `deps(context)`
and `translator(update, context)` and nothing else to find their collaborators.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from telegram import Update
from telegram.ext import Application, CallbackContext

from bot.callbacks import CallbackRegistry
from bot.clock import Clock
from bot.config import Settings
from bot.i18n.catalogs import Catalogs, Translator
from bot.ops.metrics import Metrics
from bot.payments.gateway import PaymentGateway
from bot.services.ports import UnitOfWorkFactory
from bot.services.progress import Progress, ProgressStore
from bot.telegram.outbox_sender import OutboxSender, RendererRegistry

DEPS_KEY = "gigbroker.deps"
T = TypeVar("T")

AnyContext = CallbackContext[Any, Any, Any, Any]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
# `t.me/<bot>?start=<prefix>_<rest>` is routed to the handler registered for <prefix>.
DeepLinkHandler = Callable[[Update, AnyContext, str], Awaitable[None]]
# A message from a user whose stored progress names this flow.
StepHandler = Callable[[Update, AnyContext, Progress], Awaitable[None]]


@dataclass
class Deps:
    settings: Settings
    clock: Clock
    catalogs: Catalogs
    uow: UnitOfWorkFactory
    progress: ProgressStore
    metrics: Metrics = field(default_factory=Metrics)
    # update_ids another replica was handling when they arrived here (webhook: "try later")
    busy_updates: set[int] = field(default_factory=set)
    # update_ids whose handling failed (or could not be claimed): not finished, the webhook
    # answers 5xx so Telegram delivers them again; polling re-queues them (`on_update_failed`)
    failed_updates: set[int] = field(default_factory=set)
    # failed handlings so far per update_id (a broken update is given up after a few)
    update_failures: dict[int, int] = field(default_factory=dict)
    on_update_failed: Callable[[Update], None] | None = None
    gateway: PaymentGateway | None = None
    # (raw body, Stripe-Signature header) -> HTTP status; set when Stripe webhooks are on.
    stripe_webhook: Callable[[bytes, str | None], Awaitable[int]] | None = None
    callbacks: CallbackRegistry = field(default_factory=CallbackRegistry)
    renderers: RendererRegistry = field(default_factory=RendererRegistry)
    services: dict[type[Any], Any] = field(default_factory=dict)
    outbox: OutboxSender | None = None
    deep_links: dict[str, DeepLinkHandler] = field(default_factory=dict)
    steps: dict[str, StepHandler] = field(default_factory=dict)
    bot_username: str = ""

    def service(self, kind: type[T]) -> T:
        """The one instance of a service class built by the composition root."""
        return cast(T, self.services[kind])


def deps_of(application: AnyApplication) -> Deps:
    return cast(Deps, application.bot_data[DEPS_KEY])


def deps(context: AnyContext) -> Deps:
    return deps_of(context.application)


def translator(update: object, context: AnyContext) -> Translator:
    """The catalog of the user's Telegram language (English when unknown)."""
    user = update.effective_user if isinstance(update, Update) else None
    return deps(context).catalogs.for_language(user.language_code if user else None)
