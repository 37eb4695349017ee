"""The composition root: the only place that builds and wires the objects of Gig Broker.

`bootstrap()` turns settings (plus, in tests, fakes for the clock, the payment gateway, the
notifier or the units of work) into a python-telegram-bot `Application` with every flow
registered; `python -m bot run`, the demo and the end-to-end tests all start the bot through it.
`build_services()` is its service half: every use case wired on a set of `Adapters`. The
service tests call it with fakes, so services are wired in exactly one place.

Services never see `Settings`: each takes a small frozen config of the values it uses, which
`config_of` fills from the settings by field name. Nothing is created at import time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from telegram.ext import ApplicationBuilder

from bot.app import post_init, post_shutdown, register_handlers
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.domain.limits import GigLimits
from bot.domain.money import STARS
from bot.handlers.context import DEPS_KEY, AnyApplication, Deps
from bot.i18n.catalogs import Catalogs
from bot.matching.ports import SearchIndex
from bot.matching.sql_index import SqlSearchIndex
from bot.ops.metrics import Metrics
from bot.payments.gateway import PaymentGateway
from bot.payments.metered import MeteredGateway
from bot.payments.stars import StarsLedger, StarsRefunder
from bot.payments.stripe_gateway import StripeGateway
from bot.services.discovery.search import DiscoveryService
from bot.services.gigs.catalog import GigService
from bot.services.gigs.drafts import GigCreation
from bot.services.gigs.edits import GigEditing
from bot.services.groups.broadcast import BroadcastService
from bot.services.groups.ports import ChatAdmins
from bot.services.groups.referrals import ReferralService
from bot.services.groups.subscriptions import GroupService
from bot.services.inbox import InboxPruner
from bot.services.money.journal import JournalConfig, JournalService
from bot.services.money.journal_appliers import register_appliers
from bot.services.money.payments import PaymentConfig, PaymentService
from bot.services.money.provider_refunds import ProviderRefundConfig, ProviderRefundService
from bot.services.money.reconcile import ReconcileService
from bot.services.money.refunds import RefundService
from bot.services.money.stripe_webhooks import StripeWebhookConfig, StripeWebhookService
from bot.services.orders.cancellation import CancellationConfig, CancellationService
from bot.services.orders.chat import OrderChatConfig, OrderChatService
from bot.services.orders.delivery import DeliveryConfig, DeliveryService
from bot.services.orders.disputes import DisputeConfig, DisputeService
from bot.services.orders.ordering import OrderConfig, OrderService
from bot.services.orders.reviews import ReviewConfig, ReviewService
from bot.services.orders.tips import TipConfig, TipService
from bot.services.payouts.onboarding import ConnectOnboarding
from bot.services.payouts.settlement import PayoutConfig, PayoutService
from bot.services.ports import UnitOfWorkFactory
from bot.services.profile.profiles import ProfileService
from bot.services.progress import ProgressStore
from bot.services.requests.briefs import BriefConfig, BriefService
from bot.services.requests.saved_searches import SavedSearchService
from bot.storage.db import create_engine
from bot.storage.uow import SqlUnitOfWorkFactory
from bot.telegram.aiohttp_request import AiohttpRequest
from bot.telegram.chat_admins import TelegramChatAdmins
from bot.telegram.notifier import Notifier, TelegramNotifier
from bot.telegram.rate_limits import SendingRateLimiter
from bot.telegram.stars import TelegramStarsLedger, TelegramStarsRefunder
from bot.telegram.update_order import PerChatUpdateProcessor

C = TypeVar("C")
T = TypeVar("T")

RATE_LIMIT_RETRIES = 10


class Services(dict[type[Any], Any]):
    """Every use case by its class, one instance each (what `Deps.service` looks up)."""

    def of(self, kind: type[T]) -> T:
        return cast(T, self[kind])


@dataclass(frozen=True)
class Adapters:
    """What the services run on. `bootstrap()` builds the real ones; tests pass fakes
    (a fake clock, the fake payment gateway, fake Stars, units of work that inject faults)."""

    uow: UnitOfWorkFactory
    clock: Clock
    search: SearchIndex
    gateway: PaymentGateway | None = None
    stars_refunder: StarsRefunder | None = None
    stars_ledger: StarsLedger | None = None
    #: who administers a Telegram chat (getChatMember); without it, no group features
    chat_admins: ChatAdmins | None = None


def config_of(kind: type[C], settings: Settings) -> C:
    """A service's config dataclass filled from the settings of the same names (lists become
    tuples, so a config is immutable all the way down)."""
    values = {
        f.name: _frozen(getattr(settings, f.name)) for f in dataclasses.fields(cast(Any, kind))
    }
    return kind(**values)


def _frozen(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


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


def build_services(
    settings: Settings, adapters: Adapters, progress: ProgressStore | None = None
) -> Services:
    """Every use case, each on the same unit of work, clock and configuration."""
    a = adapters
    uow, clock = a.uow, a.clock
    progress = progress or ProgressStore(uow, clock)
    s = Services()

    # the freelancer side: gigs, their creation and editing, profiles, Connect onboarding
    gigs = s[GigService] = GigService(uow, clock, gig_limits(settings))
    s[GigCreation] = GigCreation(progress, uow, gigs, gig_currency(settings))
    s[GigEditing] = GigEditing(progress, gigs)
    s[ProfileService] = ProfileService(uow, clock, progress)
    s[ConnectOnboarding] = ConnectOnboarding(uow, clock, a.gateway, settings.connect_country)
    # one index for browsing, search, requests and followed searches
    s[DiscoveryService] = DiscoveryService(uow, a.search, clock)

    # the buyer side: orders, payments, refunds, payouts
    refunds = s[RefundService] = RefundService(
        uow, clock, a.gateway, a.stars_refunder, settings.admin_ids
    )
    orders = s[OrderService] = OrderService(uow, clock, config_of(OrderConfig, settings), refunds)
    payments = s[PaymentService] = PaymentService(
        uow, clock, config_of(PaymentConfig, settings), refunds
    )
    s[PayoutService] = PayoutService(uow, clock, config_of(PayoutConfig, settings), a.gateway)

    # after payment: delivery to review
    s[DeliveryService] = DeliveryService(uow, clock, config_of(DeliveryConfig, settings))
    s[CancellationService] = CancellationService(
        uow, clock, config_of(CancellationConfig, settings), refunds
    )
    s[DisputeService] = DisputeService(uow, clock, config_of(DisputeConfig, settings), refunds)
    s[ReviewService] = ReviewService(uow, clock, config_of(ReviewConfig, settings))
    s[OrderChatService] = OrderChatService(uow, clock, config_of(OrderChatConfig, settings))
    tips = s[TipService] = TipService(uow, clock, config_of(TipConfig, settings))

    # every incoming money event is journaled first, then applied by its service
    journal = s[JournalService] = JournalService(uow, clock, config_of(JournalConfig, settings))
    s[InboxPruner] = InboxPruner(uow, clock)
    webhooks = s[StripeWebhookService] = StripeWebhookService(
        uow, clock, config_of(StripeWebhookConfig, settings), journal
    )
    provider_refunds = ProviderRefundService(uow, clock, config_of(ProviderRefundConfig, settings))
    register_appliers(journal, payments, tips, webhooks, provider_refunds)
    s[ReconcileService] = ReconcileService(
        uow, clock, settings.admin_ids, a.gateway,
        a.stars_ledger, a.stars_refunder, payments, tips,
    )  # fmt: skip

    # buyer requests with custom offers, and followed searches: both match through the index;
    # accepted offers become orders through the order service
    s[BriefService] = BriefService(
        uow, a.search, clock, config_of(BriefConfig, settings), orders, gig_limits(settings)
    )
    s[SavedSearchService] = SavedSearchService(uow, a.search, clock)

    # groups and channels: settings checked against the chat's admins, posting new gigs,
    # and the referral shares operators settle
    s[ReferralService] = ReferralService(uow, clock, settings.admin_ids)
    if a.chat_admins is not None:
        currency = settings.currency
        groups = s[GroupService] = GroupService(uow, clock, a.chat_admins, currency)
        broadcast = s[BroadcastService] = BroadcastService(uow, clock, groups, currency)
        gigs.listeners.append(broadcast.on_gig_change)
    return s


def bootstrap(
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
        raise ValueError("bootstrap needs BOT_TOKEN; the CLI explains how to get one")
    engine = create_engine(settings.database_url)
    builder = (
        ApplicationBuilder()
        .token(token)
        .rate_limiter(
            SendingRateLimiter(RATE_LIMIT_RETRIES, overall_per_second=settings.send_rate_per_second)
        )
        .post_init(post_init)
        .post_shutdown(post_shutdown)
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
    adapters = Adapters(
        uow=uow,
        clock=clock,
        search=SqlSearchIndex(engine, clock),
        gateway=deps.gateway,
        stars_refunder=TelegramStarsRefunder(app.bot),
        stars_ledger=TelegramStarsLedger(app.bot),
        chat_admins=TelegramChatAdmins(app.bot),
    )
    deps.services = build_services(settings, adapters, deps.progress)
    if settings.stripe_webhook_secret is not None:  # served at POST /stripe/webhook
        deps.stripe_webhook = deps.service(StripeWebhookService).handle
    app.bot_data[DEPS_KEY] = deps
    app.bot_data["gigbroker.engine"] = engine
    app.bot_data["gigbroker.migrate"] = migrate_on_start
    app.bot_data["gigbroker.notifier"] = notifier or TelegramNotifier(app.bot)
    register_handlers(app)
    return app


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
