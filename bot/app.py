"""The composition root: the only place that builds and wires the objects of Gig Broker.

`build_application` turns settings (plus, in tests, fakes for the clock and the payment
gateway) into a python-telegram-bot `Application` with every flow registered. Nothing is
created at import time; nothing else in the code constructs adapters or services.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from types import ModuleType

from telegram import Bot
from telegram.ext import ApplicationBuilder, ContextTypes

import bot.handlers.discovery.browse
import bot.handlers.discovery.filters
import bot.handlers.discovery.inline
import bot.handlers.gigs.create
import bot.handlers.gigs.edit
import bot.handlers.gigs.links
import bot.handlers.gigs.manage
import bot.handlers.gigs.seller_menu
import bot.handlers.groups.chats
import bot.handlers.orders.buttons
import bot.handlers.orders.cancel
import bot.handlers.orders.delivery
import bot.handlers.orders.disputes
import bot.handlers.orders.notices
import bot.handlers.orders.ordering
import bot.handlers.orders.payments
import bot.handlers.orders.reviews
import bot.handlers.orders.tips
import bot.handlers.orders.view
import bot.handlers.payouts.settings
import bot.handlers.profile.panel
import bot.handlers.requests.offers
import bot.handlers.requests.post
import bot.handlers.requests.saved_searches
from bot import scheduler
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.domain.limits import GigLimits
from bot.domain.money import STARS
from bot.handlers import conversation, errors, fallback, start, updates
from bot.handlers.context import DEPS_KEY, AnyApplication, Deps, deps_of
from bot.i18n.catalogs import Catalogs
from bot.matching.sql_index import SqlSearchIndex
from bot.ops.metrics import Metrics
from bot.payments.gateway import PaymentGateway
from bot.payments.metered import MeteredGateway
from bot.payments.stars import StarsRefunder
from bot.payments.stripe_gateway import StripeGateway
from bot.services.discovery.search import DiscoveryService
from bot.services.gigs.catalog import GigService
from bot.services.gigs.drafts import GigCreation
from bot.services.gigs.edits import GigEditing
from bot.services.inbox import InboxPruner
from bot.services.money.journal import JournalService
from bot.services.money.journal_appliers import register_appliers
from bot.services.money.payments import PaymentService
from bot.services.money.provider_refunds import ProviderRefundService
from bot.services.money.reconcile import ReconcileService
from bot.services.money.refunds import RefundService
from bot.services.money.stripe_webhooks import StripeWebhookService
from bot.services.orders.cancellation import CancellationService
from bot.services.orders.chat import OrderChatService
from bot.services.orders.delivery import DeliveryService
from bot.services.orders.disputes import DisputeService
from bot.services.orders.ordering import OrderService
from bot.services.orders.reviews import ReviewService
from bot.services.orders.tips import TipService
from bot.services.payouts.onboarding import ConnectOnboarding
from bot.services.payouts.settlement import PayoutService
from bot.services.ports import UnitOfWorkFactory
from bot.services.profile.profiles import ProfileService
from bot.services.progress import ProgressStore
from bot.services.requests.briefs import BriefService
from bot.services.requests.saved_searches import SavedSearchService
from bot.storage.db import create_engine
from bot.storage.migrate import upgrade
from bot.storage.uow import SqlUnitOfWorkFactory
from bot.telegram.aiohttp_request import AiohttpRequest
from bot.telegram.notifier import Notifier, TelegramNotifier
from bot.telegram.outbox_sender import OutboxSender
from bot.telegram.rate_limits import SendingRateLimiter
from bot.telegram.stars import TelegramStarsLedger, TelegramStarsRefunder
from bot.telegram.update_order import PerChatUpdateProcessor

log = logging.getLogger(__name__)

# One module per flow, each with `register(app)`. Within a handler group the first matching
# handler wins, so `fallback` (what nothing else claimed) comes last.
HANDLER_MODULES: Sequence[ModuleType] = (
    updates,
    errors,
    start,
    bot.handlers.gigs.seller_menu,
    bot.handlers.gigs.create,
    bot.handlers.gigs.manage,
    bot.handlers.gigs.edit,
    bot.handlers.orders.ordering,
    bot.handlers.orders.tips,  # before orders.payments, which takes every other payment
    bot.handlers.orders.payments,  # before conversation: successful_payment is a private message
    bot.handlers.gigs.links,
    bot.handlers.profile.panel,
    bot.handlers.payouts.settings,
    scheduler,
    bot.handlers.groups.chats,  # before conversation and fallback: group commands, panel buttons
    bot.handlers.orders.buttons,  # after payment: buttons, notifications and one module per flow
    bot.handlers.orders.notices,
    bot.handlers.orders.delivery,
    bot.handlers.orders.view,
    bot.handlers.orders.cancel,
    bot.handlers.orders.disputes,
    bot.handlers.orders.reviews,
    bot.handlers.discovery.browse,  # its word step is routed by conversation
    bot.handlers.discovery.filters,  # the filter panel of browse's result lists
    bot.handlers.discovery.inline,
    bot.handlers.requests.post,  # buyer requests, custom offers, followed searches
    bot.handlers.requests.offers,
    bot.handlers.requests.saved_searches,
    conversation,
    fallback,
)

OUTBOX_POLL_SECONDS = 1.0
RATE_LIMIT_RETRIES = 10


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    catalogs: Catalogs | None = None,
    gateway: PaymentGateway | None = None,
    notifier: Notifier | None = None,
    migrate_on_start: bool = True,
    wrap_uow: Callable[[UnitOfWorkFactory], UnitOfWorkFactory] | None = None,
) -> AnyApplication:
    """The Application with every flow registered. `wrap_uow` wraps the units of work every
    service and handler uses (tests and the chaos suite inject database faults through it)."""
    token = settings.token
    if not token:
        raise ValueError("build_application needs BOT_TOKEN; the CLI explains how to get one")
    engine = create_engine(settings.database_url)
    builder = (
        ApplicationBuilder()
        .token(token)
        .rate_limiter(
            SendingRateLimiter(RATE_LIMIT_RETRIES, overall_per_second=settings.send_rate_per_second)
        )
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.concurrent_updates > 1:  # polling; webhook requests are concurrent anyway
        builder = builder.concurrent_updates(PerChatUpdateProcessor(settings.concurrent_updates))
    # aiohttp instead of PTB's default httpx: less CPU per Bot API call (bench.throughput).
    # getUpdates gets a request object of its own, as PTB does, so a long poll never waits
    # for a connection behind the replies.
    builder = builder.request(AiohttpRequest()).get_updates_request(
        AiohttpRequest(connection_pool_size=1)
    )
    if settings.telegram_api_base_url:
        base = settings.telegram_api_base_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    app: AnyApplication = builder.build()
    clock = clock or SystemClock()
    sql_uow = SqlUnitOfWorkFactory(engine)
    uow: UnitOfWorkFactory = wrap_uow(sql_uow) if wrap_uow is not None else sql_uow
    metrics = Metrics()
    provider = gateway or _stripe_gateway(settings)
    deps = Deps(
        settings=settings,
        clock=clock,
        catalogs=catalogs or Catalogs.load(),
        uow=uow,
        progress=ProgressStore(uow, clock),
        metrics=metrics,
        gateway=(
            MeteredGateway(provider, lambda kind: metrics.stripe_errors.labels(kind).inc())
            if provider is not None
            else None
        ),
    )
    sql_uow.after_notifications = lambda: _outbox_committed(deps)
    _seller_services(deps)
    search = SqlSearchIndex(engine, clock)  # one index for browsing, search and requests
    deps.services[DiscoveryService] = DiscoveryService(uow, search, clock)
    _money_services(deps, TelegramStarsRefunder(app.bot))
    deps.services[ReconcileService] = _reconcile_service(deps, app.bot)
    _request_services(deps, search)
    app.bot_data[DEPS_KEY] = deps
    app.bot_data["gigbroker.engine"] = engine
    app.bot_data["gigbroker.migrate"] = migrate_on_start
    app.bot_data["gigbroker.notifier"] = notifier or TelegramNotifier(app.bot)
    for module in HANDLER_MODULES:
        module.register(app)
    return app


def gig_limits(settings: Settings) -> GigLimits:
    """The domain's gig rules with the operator's price floor and ceiling (cards and Stars)."""
    return GigLimits(
        price_ranges={
            settings.currency: (settings.price_floor_minor, settings.price_ceiling_minor),
            STARS: (settings.stars_price_floor, settings.stars_price_ceiling),
        }
    )


def gig_currency(settings: Settings) -> str:
    """Gigs are priced in the card currency, or in Stars when Stars are the only rail."""
    return STARS if settings.payment_rails == ["stars"] else settings.currency


def _money_services(deps: Deps, stars: StarsRefunder) -> None:
    """The buyer side: orders, payments, refunds, payouts and Stripe webhooks."""
    settings = deps.settings
    refunds = RefundService(deps.uow, deps.clock, deps.gateway, stars, settings.admin_ids)
    deps.services[RefundService] = refunds
    deps.services[OrderService] = OrderService(deps.uow, deps.clock, settings, refunds)
    deps.services[PaymentService] = PaymentService(deps.uow, deps.clock, settings, refunds)
    deps.services[PayoutService] = PayoutService(deps.uow, deps.clock, settings, deps.gateway)
    _after_payment_services(deps, refunds)
    journal = JournalService(deps.uow, deps.clock, settings)
    deps.services[JournalService] = journal
    deps.services[InboxPruner] = InboxPruner(deps.uow, deps.clock)
    webhooks = StripeWebhookService(deps.uow, deps.clock, settings, journal)
    deps.services[StripeWebhookService] = webhooks
    provider_refunds = ProviderRefundService(deps.uow, deps.clock, settings)
    register_appliers(
        journal, deps.service(PaymentService), deps.service(TipService), webhooks, provider_refunds
    )
    if settings.stripe_webhook_secret is not None:
        deps.stripe_webhook = webhooks.handle  # served at POST /stripe/webhook


def _after_payment_services(deps: Deps, refunds: RefundService) -> None:
    """Delivery to review: each service on the same unit of work and clock."""
    uow, clock, settings = deps.uow, deps.clock, deps.settings
    deps.services[DeliveryService] = DeliveryService(uow, clock, settings)
    deps.services[CancellationService] = CancellationService(uow, clock, settings, refunds)
    deps.services[DisputeService] = DisputeService(uow, clock, settings, refunds)
    deps.services[ReviewService] = ReviewService(uow, clock, settings)
    deps.services[OrderChatService] = OrderChatService(uow, clock, settings)
    deps.services[TipService] = TipService(uow, clock, settings)


def _reconcile_service(deps: Deps, bot: Bot) -> ReconcileService:
    """The daily match of Stripe's and Telegram's records against the ledger (bot.ops)."""
    return ReconcileService(
        deps.uow, deps.clock, deps.settings.admin_ids, deps.gateway,
        TelegramStarsLedger(bot), TelegramStarsRefunder(bot),
        deps.service(PaymentService), deps.service(TipService),
    )  # fmt: skip


def _request_services(deps: Deps, index: SqlSearchIndex) -> None:
    """Buyer requests with custom offers, and followed searches: both match through
    the search index; accepted offers become orders through the order service."""
    deps.services[BriefService] = BriefService(
        deps.uow,
        index,
        deps.clock,
        deps.settings,
        deps.service(OrderService),
        gig_limits(deps.settings),
    )
    deps.services[SavedSearchService] = SavedSearchService(deps.uow, index, deps.clock)


def _seller_services(deps: Deps) -> None:
    """The freelancer side: gigs, their creation and editing, profiles, Connect onboarding."""
    gigs = GigService(deps.uow, deps.clock, gig_limits(deps.settings))
    deps.services[GigService] = gigs
    deps.services[GigCreation] = GigCreation(
        deps.progress, deps.uow, gigs, gig_currency(deps.settings)
    )
    deps.services[GigEditing] = GigEditing(deps.progress, gigs)
    deps.services[ProfileService] = ProfileService(deps.uow, deps.clock, deps.progress)
    deps.services[ConnectOnboarding] = ConnectOnboarding(
        deps.uow, deps.clock, deps.gateway, deps.settings.connect_country
    )


def _stripe_gateway(settings: Settings) -> PaymentGateway | None:
    """The real Stripe gateway when a secret key is set; without one, card payouts are off."""
    if settings.stripe_secret_key is None:
        return None
    return StripeGateway(
        settings.stripe_secret_key.get_secret_value(), api_base=settings.stripe_api_base
    )


def _outbox_committed(deps: Deps) -> None:
    """A unit of work committed notifications: the sender drains after the current update."""
    if deps.outbox is not None:
        deps.outbox.committed()


async def _drain_outbox(context: ContextTypes.DEFAULT_TYPE) -> None:
    sender = deps_of(context.application).outbox
    if sender is not None:
        await sender.drain()


async def _post_init(app: AnyApplication) -> None:
    deps = deps_of(app)
    if app.bot_data["gigbroker.migrate"]:
        await upgrade(app.bot_data["gigbroker.engine"])
    deps.bot_username = deps.settings.bot_username or app.bot.username
    deps.outbox = OutboxSender(
        deps.uow,
        app.bot_data["gigbroker.notifier"],
        deps.renderers,
        deps.catalogs,
        deps.clock,
        count_error=lambda kind: deps.metrics.telegram_errors.labels(kind).inc(),
    )
    if app.job_queue is not None:
        app.job_queue.run_repeating(_drain_outbox, interval=OUTBOX_POLL_SECONDS, first=0)
    await start.publish_commands(app)


async def _post_shutdown(app: AnyApplication) -> None:
    gateway = deps_of(app).gateway
    if isinstance(gateway, MeteredGateway):
        await gateway.close()
    await app.bot_data["gigbroker.engine"].dispose()
