"""Ordering: quote, place an order (prices and rates frozen), expire unpaid ones, decline.

Each use case is one unit of work; statuses change only through `order_steps.move` (the state
machine with a version check); notifications are committed with the change through the outbox.
A decline cancels the order at once and then asks `RefundService` for the money back, so the
buyer's refund is never held up by the seller's decision being stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.domain.gig import Extra, GigSpec, GigStatus, Package, PackageTier, RequirementKind
from bot.domain.money import STARS, Money
from bot.domain.order import Actor, OrderEvent, OrderStatus
from bot.domain.pricing import FeePolicy, PriceBreakdown, buyer_breakdown
from bot.domain.user import UserProfile
from bot.errors import NotAllowed, NotFound, ValidationFailed
from bot.i18n.markers import N_
from bot.services.groups.subscriptions import attributed_source, creditable_source
from bot.services.money.refunds import RefundService
from bot.services.orders.steps import move, notify
from bot.services.ports import (
    GigRecord,
    NewOrder,
    OrderEventRecord,
    OrderRecord,
    TelegramIdentity,
    UnitOfWork,
    UnitOfWorkFactory,
)

SWEEP_BATCH = 100


def fee_policy(config: OrderConfig) -> FeePolicy:
    """The marketplace's rates from the configuration (the small-order fee is in the main currency).

    Only new orders are priced with it: each order freezes its `OrderRates` when placed."""
    return FeePolicy(
        buyer_fee_bps=config.buyer_fee_bps,
        seller_commission_bps=config.seller_commission_bps,
        small_order_fee=Money(config.small_order_fee_minor, config.currency),
        small_order_threshold=Money(config.small_order_threshold_minor, config.currency),
        referral_bps=config.group_referral_bps,
    )


def rail_for(currency: str) -> str:
    """Gigs priced in Stars are paid in Stars; every other currency by card through Stripe."""
    return "stars" if currency == STARS else "stripe"


@dataclass(frozen=True)
class Quote:
    """What the buyer is about to buy and what it costs, line by line."""

    package: Package
    extras: tuple[Extra, ...]
    breakdown: PriceBreakdown
    delivery_days: int
    revisions: int | None


def quote(spec: GigSpec, tier: str, extra_indexes: Sequence[int], policy: FeePolicy) -> Quote:
    """Price a choice of package and extras; pure, so the summary and the order agree."""
    try:
        package = spec.package(PackageTier(tier))
    except ValueError:
        package = None
    if package is None:
        raise ValidationFailed(N_("Please choose one of the gig's packages."), field="package")
    if len(set(extra_indexes)) != len(extra_indexes) or any(
        not 0 <= index < len(spec.extras) for index in extra_indexes
    ):
        raise ValidationFailed(N_("Please choose extras from the gig's list."), field="extras")
    extras = tuple(spec.extras[index] for index in sorted(extra_indexes))
    subtotal = Money.sum_of([package.price, *(extra.price for extra in extras)], spec.currency)
    days = max(1, package.delivery_days + sum(extra.extra_days for extra in extras))
    revisions = (
        None
        if package.revisions is None
        else package.revisions + sum(extra.extra_revisions for extra in extras)
    )
    return Quote(package, extras, buyer_breakdown(subtotal, policy), days, revisions)


def check_answers(spec: GigSpec, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers keyed by question index; every required question must have one."""
    checked: dict[str, Any] = {}
    for index, requirement in enumerate(spec.requirements):
        answer = answers.get(str(index))
        if answer in (None, "", {}):
            if requirement.required:
                raise ValidationFailed(
                    N_("Please answer: {question}"), field="answers", question=requirement.question
                )
            continue
        if requirement.kind is RequirementKind.choice and answer not in requirement.choices:
            raise ValidationFailed(
                N_("Please pick one of the offered answers for: {question}"),
                field="answers",
                question=requirement.question,
            )
        checked[str(index)] = answer
    return checked


@dataclass(frozen=True)
class PlaceOrder:
    buyer_id: int
    gig_id: int
    tier: str
    extras: tuple[int, ...]
    answers: Mapping[str, Any]
    confirm_key: str
    source_chat_id: int | None = None
    #: Who the buyer is on Telegram; stored with the order so the user row exists.
    identity: TelegramIdentity | None = None
    #: A custom offer accepted by the buyer: priced by the offer instead of a package.
    custom: CustomTerms | None = None


@dataclass(frozen=True)
class CustomTerms:
    """A freelancer's custom offer: one package built from its price and days."""

    offer_id: int
    request_id: int
    description: str
    price_minor: int
    delivery_days: int

    def quote(self, spec: GigSpec, policy: FeePolicy) -> Quote:
        package = Package(
            tier=PackageTier.basic,
            name=N_("Custom offer"),
            description=self.description,
            price=Money(self.price_minor, spec.currency),
            delivery_days=self.delivery_days,
            revisions=None,
        )
        breakdown = buyer_breakdown(package.price, policy)
        return Quote(package, (), breakdown, self.delivery_days, None)


@dataclass(frozen=True)
class OrderConfig:
    """What ordering needs of the settings (filled by `bot.bootstrap.config_of`)."""

    #: the card rail's currency
    currency: str
    #: the rails buyers may pay by
    payment_rails: tuple[str, ...]
    #: an unpaid order expires after this
    invoice_ttl: timedelta
    #: the buyer's service fee, basis points
    buyer_fee_bps: int
    #: the marketplace's commission, basis points
    seller_commission_bps: int
    #: the flat fee of a small order, in `currency`
    small_order_fee_minor: int
    #: below this subtotal the small-order fee applies
    small_order_threshold_minor: int
    #: a group's share when the order came from its post
    group_referral_bps: int


class OrderService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        config: OrderConfig,
        refunds: RefundService,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config
        self._policy = fee_policy(config)
        self._refunds = refunds

    @property
    def policy(self) -> FeePolicy:
        return self._policy

    async def place_order(self, request: PlaceOrder) -> OrderRecord:
        """Freeze the choice and its prices into an order awaiting payment.

        The same `confirm_key` (one summary message) always yields the same order, so a
        double-tapped Confirm cannot make two.
        """
        async with self._uow() as uow:
            return await self.place_in(uow, request)

    async def place_in(self, uow: UnitOfWork, request: PlaceOrder) -> OrderRecord:
        """`place_order` inside the caller's unit of work (an accepted offer closes the others
        in the same transaction as its order is created)."""
        now = self._clock.now()
        gig = await uow.gigs.get(request.gig_id)
        if gig is None or gig.status is GigStatus.deleted:
            raise NotFound(N_("This gig no longer exists."))
        if gig.seller_id == request.buyer_id:
            raise NotAllowed(N_("You cannot order your own gig."))
        if gig.status is not GigStatus.live:
            raise NotAllowed(N_("This gig is paused and cannot be ordered right now."))
        buyer: UserProfile | None
        if request.identity is not None:
            buyer = await uow.users.upsert_identity(request.identity, now)
        else:
            buyer = await uow.users.get(request.buyer_id)
        if buyer is not None and buyer.is_blocked:
            raise NotAllowed(N_("Your account cannot place orders."))
        rail = rail_for(gig.spec.currency)
        if rail not in self._config.payment_rails:
            raise NotAllowed(N_("This marketplace does not take this kind of payment."))
        if request.custom is None:
            chosen = quote(gig.spec, request.tier, request.extras, self._policy)
            answers = check_answers(gig.spec, request.answers)
            snapshot = _snapshot(gig.spec, chosen)
        else:
            chosen = request.custom.quote(gig.spec, self._policy)
            answers = dict(request.answers)
            snapshot = _offer_snapshot(gig.spec, chosen, request.custom)
        breakdown = chosen.breakdown
        source = request.source_chat_id or await attributed_source(
            uow, request.buyer_id, gig.id, now
        )
        if source is not None and not await creditable_source(uow, source, gig.id):
            source = None  # a made-up link, or the bot left that chat: nobody is credited
        rates = self._policy.rates_for(breakdown.total.currency, referral=source is not None)
        threshold = rates.small_order_threshold
        order, created = await uow.orders.create(
            NewOrder(
                gig_id=gig.id,
                buyer_id=request.buyer_id,
                seller_id=gig.seller_id,
                rail=rail,
                currency=breakdown.total.currency,
                snapshot=snapshot,
                answers=answers,
                subtotal_minor=breakdown.subtotal.amount_minor,
                service_fee_minor=breakdown.service_fee.amount_minor,
                small_order_fee_minor=breakdown.small_order_fee.amount_minor,
                total_minor=breakdown.total.amount_minor,
                delivery_days=chosen.delivery_days,
                revisions_allowed=chosen.revisions,
                confirm_key=request.confirm_key,
                created_at=now,
                expires_at=now + self._config.invoice_ttl,
                buyer_fee_bps=rates.buyer_fee_bps,
                seller_commission_bps=rates.seller_commission_bps,
                referral_bps=rates.referral_bps,
                small_order_threshold_minor=None if threshold is None else threshold.amount_minor,
                source_chat_id=source,
            )
        )
        if created:
            await uow.order_events.append(
                OrderEventRecord(
                    order.id,
                    "place",
                    Actor.buyer.value,
                    request.buyer_id,
                    None,
                    OrderStatus.awaiting_payment.value,
                    {"total_minor": order.total_minor},
                    now,
                )
            )
        return order

    async def gig_for_buyer(self, gig_id: int, buyer_id: int) -> GigRecord:
        """The gig a buyer is about to order, refused early when they could not order it."""
        async with self._uow(read_only=True) as uow:
            gig = await uow.gigs.get(gig_id)
        if gig is None or gig.status is GigStatus.deleted:
            raise NotFound(N_("This gig no longer exists."))
        if gig.seller_id == buyer_id:
            raise NotAllowed(N_("You cannot order your own gig."))
        if gig.status is not GigStatus.live:
            raise NotAllowed(N_("This gig is paused and cannot be ordered right now."))
        return gig

    async def expire_unpaid(self) -> int:
        """Sweep: cancel orders whose invoice was not paid in time. Safe to run anywhere."""
        now = self._clock.now()
        async with self._uow(read_only=True) as uow:
            due = await uow.orders.expired_unpaid(now, SWEEP_BATCH)
        expired = 0
        for order_id in due:
            async with self._uow() as uow:
                order = await uow.orders.get_for_update(order_id)
                if (
                    order is None
                    or order.status != OrderStatus.awaiting_payment
                    or order.expires_at is None
                    or order.expires_at > now
                ):
                    continue
                await move(uow, order, OrderEvent.expire, Actor.system, now, closed_at=now)
                await uow.outbox.add(notify(order.buyer_id, "order.expired", order), now)
                expired += 1
        return expired

    async def seller_decline(self, order_id: int, seller_id: int) -> OrderRecord:
        """The seller turns a new order down: cancelled now, the buyer refunded in full."""
        now = self._clock.now()
        async with self._uow() as uow:
            order = await uow.orders.get_for_update(order_id)
            if order is None:
                raise NotFound(N_("This order does not exist."))
            if order.seller_id != seller_id:
                raise NotAllowed()
            await move(
                uow,
                order,
                OrderEvent.decline,
                Actor.seller,
                now,
                actor_user_id=seller_id,
                closed_at=now,
            )
            await uow.outbox.add(notify(order.buyer_id, "order.declined", order), now)
        await self._refunds.refund_order(order_id)
        return order


def _snapshot(spec: GigSpec, chosen: Quote) -> dict[str, Any]:
    """What was bought, as it was at confirmation (the gig may change later)."""
    return {
        "title": spec.title,
        "package": chosen.package.model_dump(mode="json"),
        "extras": [extra.model_dump(mode="json") for extra in chosen.extras],
        "requirements": [r.model_dump(mode="json") for r in spec.requirements],
    }


def _offer_snapshot(spec: GigSpec, chosen: Quote, terms: CustomTerms) -> dict[str, Any]:
    """A custom offer's order: the offer as its one package; the request is its requirement."""
    return {
        "title": spec.title,
        "package": chosen.package.model_dump(mode="json"),
        "extras": [],
        "requirements": [],
        "offer_id": terms.offer_id,
        "request_id": terms.request_id,
    }
