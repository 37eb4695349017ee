"""Buyer requests ("briefs") and custom offers: post, match, offer, accept, decline, expire.

A posted request goes to at most REQUEST_MAX_SELLERS freelancers, picked by the search index
(category, then the request's content words; the ranking decides) from their live gigs, one
notification each, never the buyer. Only those freelancers may answer, once each, with a custom
offer in their gig's currency inside the marketplace's price range. Accepting an offer creates
the order through `OrderService.place_in` in the same transaction that accepts the offer and
closes the others, so fees, rail, escrow and payment are exactly a package order's, and a
double tap (confirm key `offer:<id>`) finds the one order. Requests expire after REQUEST_TTL
by the scheduler's sweep; an expired request refuses offers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain.briefs import (
    BriefStatus,
    OfferStatus,
    is_expired,
    validate_brief_text,
    validate_days,
    validate_offer_text,
)
from bot.domain.gig import Category, GigStatus
from bot.domain.limits import DEFAULT_LIMITS, GigLimits, validate_price
from bot.domain.money import Money
from bot.errors import NotAllowed, NotFound, ValidationFailed
from bot.i18n.markers import N_
from bot.matching.ports import SearchFilters, SearchIndex, SortOrder
from bot.matching.query import significant_words
from bot.services.notices import BriefExpired, BriefPosted, OfferNotice, OfferReceived
from bot.services.orders.ordering import CustomTerms, OrderService, PlaceOrder
from bot.services.ports import (
    NewNotification,
    OrderRecord,
    TelegramIdentity,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.services.requests.ports import BriefRecord, NewBrief, NewOffer, OfferRecord

SWEEP_BATCH = 100
#: How many ranked gigs the matcher reads to find N distinct freelancers.
CANDIDATES = 50
EXPIRED = N_("This request has expired and no longer takes offers.")
TAKEN = N_("The buyer has already accepted another offer for this request.")
CLOSED = N_("This offer is no longer open.")


@dataclass(frozen=True)
class PostBrief:
    buyer_id: int
    category: str
    text: str
    budget_minor: int
    deadline_days: int
    post_key: str
    identity: TelegramIdentity | None = None


@dataclass(frozen=True)
class MakeOffer:
    seller_id: int
    request_id: int
    price_minor: int
    delivery_days: int
    description: str


@dataclass(frozen=True)
class Posted:
    brief: BriefRecord
    notified: int  # freelancers told about it (0 for a repeated tap)
    created: bool


@dataclass(frozen=True)
class OfferForm:
    """What a freelancer sees before writing an offer: the request and their gig's currency."""

    brief: BriefRecord
    gig_id: int
    currency: str


@dataclass(frozen=True)
class BriefConfig:
    """What buyer requests need of the settings (filled by `bot.bootstrap.config_of`)."""

    #: requests' budgets are in this currency
    currency: str
    #: how many freelancers one request reaches
    request_max_sellers: int
    #: how long a request stays open
    request_ttl: timedelta


class BriefService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        index: SearchIndex,
        clock: Clock,
        config: BriefConfig,
        orders: OrderService,
        limits: GigLimits = DEFAULT_LIMITS,
    ) -> None:
        self._uow = uow
        self._index = index
        self._clock = clock
        self._config = config
        self._orders = orders
        self._limits = limits

    @property
    def limits(self) -> GigLimits:
        return self._limits

    @property
    def currency(self) -> str:
        """Budgets are in the marketplace's default currency."""
        return self._config.currency

    # -- buyers ---------------------------------------------------------------------------------

    async def post(self, request: PostBrief) -> Posted:
        """Store the request and notify the best-fitting freelancers, in one transaction."""
        try:
            category = Category(request.category)
        except ValueError:
            raise ValidationFailed(
                N_("Please pick one of the categories."), field="category"
            ) from None
        text = validate_brief_text(request.text)
        currency = self._config.currency
        validate_price(Money(request.budget_minor, currency), self._limits)
        days = validate_days(request.deadline_days, self._limits)
        matches = await self.match(request.buyer_id, category, text)  # reads outside the write
        now = self._clock.now()
        async with self._uow() as uow:
            if request.identity is not None:
                await uow.users.upsert_identity(request.identity, now)
            brief, created = await uow.briefs.add(
                NewBrief(
                    buyer_id=request.buyer_id,
                    category=category.value,
                    text=text,
                    currency=currency,
                    budget_minor=request.budget_minor,
                    deadline_days=days,
                    post_key=request.post_key,
                    created_at=now,
                    expires_at=now + self._config.request_ttl,
                )
            )
            notified = 0
            if created:
                for seller_id, gig_id in matches:
                    if await uow.briefs.add_match(brief.id, seller_id, gig_id, now):
                        await uow.outbox.add(_brief_notice(seller_id, brief), now)
                        notified += 1
        return Posted(brief, notified, created)

    async def match(self, buyer_id: int, category: Category, text: str) -> list[tuple[int, int]]:
        """(freelancer, their best-fitting live gig), best first, at most REQUEST_MAX_SELLERS.

        The request's content words first (any of them may match: a brief is prose, not a
        query); when none of the category's gigs has any, the category's best-ranked gigs.
        """
        filters = SearchFilters(category=category)
        words = " ".join(significant_words(text).words)
        found = (
            await self._index.search(words, filters, SortOrder.best, CANDIDATES) if words else None
        )
        if found is None or not found.hits:
            found = await self._index.search("", filters, SortOrder.best, CANDIDATES)
        chosen: dict[int, int] = {}
        async with self._uow(read_only=True) as uow:
            for gig_id in found.gig_ids:
                gig = await uow.gigs.get(gig_id)
                if gig is None or gig.status is not GigStatus.live:
                    continue
                if gig.seller_id == buyer_id or gig.seller_id in chosen:
                    continue  # never the buyer; one notification per freelancer
                chosen[gig.seller_id] = gig_id
                if len(chosen) == self._config.request_max_sellers:
                    break
        return list(chosen.items())

    async def accept(
        self, buyer_id: int, offer_id: int, identity: TelegramIdentity | None = None
    ) -> tuple[OrderRecord, bool]:
        """The offer becomes an order awaiting payment; (the order, whether it is new)."""
        now = self._clock.now()
        async with self._uow() as uow:
            offer, brief = await self._offer_of_buyer(uow, offer_id, buyer_id)
            if offer.status == OfferStatus.accepted and offer.order_id is not None:
                order = await uow.orders.get(offer.order_id)
                if order is not None:
                    return order, False  # a double tap: the same order, no second invoice
            if offer.status != OfferStatus.pending:
                raise NotAllowed(CLOSED)
            self._check_open(brief, now)
            order = await self._orders.place_in(
                uow,
                PlaceOrder(
                    buyer_id=buyer_id,
                    gig_id=offer.gig_id,
                    tier="basic",
                    extras=(),
                    answers={},
                    confirm_key=f"offer:{offer.id}",
                    identity=identity,
                    custom=CustomTerms(
                        offer_id=offer.id,
                        request_id=brief.id,
                        description=offer.description,
                        price_minor=offer.price_minor,
                        delivery_days=offer.delivery_days,
                    ),
                ),
            )
            if not await uow.briefs.set_offer(offer.id, "pending", "accepted", now, order.id):
                raise NotAllowed(CLOSED)
            await uow.briefs.set_status(brief.id, BriefStatus.open, BriefStatus.accepted, now)
            await uow.outbox.add(_offer_notice(offer.seller_id, "offer.accepted", offer), now)
            await self._close_others(uow, brief.id, offer.id, now)
        return order, True

    async def decline(self, buyer_id: int, offer_id: int) -> OfferRecord:
        now = self._clock.now()
        async with self._uow() as uow:
            offer, _brief = await self._offer_of_buyer(uow, offer_id, buyer_id)
            if not await uow.briefs.set_offer(offer.id, "pending", "declined", now):
                raise NotAllowed(CLOSED)
            await uow.outbox.add(_offer_notice(offer.seller_id, "offer.declined", offer), now)
        return offer

    # -- freelancers ----------------------------------------------------------------------------

    async def offer_form(self, seller_id: int, request_id: int) -> OfferForm:
        """Refused early (expired, taken, not sent to this freelancer) before any typing."""
        async with self._uow(read_only=True) as uow:
            brief, gig_id = await self._brief_for_seller(uow, request_id, seller_id)
            gig = await uow.gigs.get(gig_id)
        if gig is None or gig.status is not GigStatus.live:
            raise NotAllowed(
                N_("Your gig for this request is not live; resume it to send an offer.")
            )
        return OfferForm(brief, gig_id, gig.spec.currency)

    async def make_offer(self, request: MakeOffer) -> OfferRecord:
        now = self._clock.now()
        description = validate_offer_text(request.description)
        days = validate_days(request.delivery_days, self._limits)
        async with self._uow() as uow:
            # Locked, as `accept` and the expiry sweep lock it: an offer is never added to a
            # request that another transaction is closing (it would stay pending forever).
            brief, gig_id = await self._brief_for_seller(
                uow, request.request_id, request.seller_id, lock=True
            )
            gig = await uow.gigs.get(gig_id)
            if gig is None or gig.status is not GigStatus.live:
                raise NotAllowed(
                    N_("Your gig for this request is not live; resume it to send an offer.")
                )
            price = validate_price(Money(request.price_minor, gig.spec.currency), self._limits)
            offer, created = await uow.briefs.add_offer(
                NewOffer(
                    request_id=brief.id,
                    seller_id=request.seller_id,
                    gig_id=gig_id,
                    currency=price.currency,
                    price_minor=price.amount_minor,
                    delivery_days=days,
                    description=description,
                    created_at=now,
                )
            )
            if not created:
                raise ValidationFailed(N_("You have already sent an offer for this request."))
            seller = await uow.users.get(request.seller_id)
            payload = asdict(
                OfferReceived(
                    **asdict(_offer_payload(offer)),
                    seller=seller.public_name if seller else "",
                    request=brief.text[:200],
                )
            )
            await uow.outbox.add(
                NewNotification(brief.buyer_id, "offer.new", payload, f"offer:{offer.id}:new"), now
            )
        return offer

    # -- the sweep ------------------------------------------------------------------------------

    async def expire_due(self) -> int:
        """Sweep: open requests past their expiry become expired; pending offers close."""
        now = self._clock.now()
        async with self._uow(read_only=True) as uow:
            due = await uow.briefs.expired_open(now, SWEEP_BATCH)
        expired = 0
        for request_id in due:
            async with self._uow() as uow:
                brief = await uow.briefs.get(request_id, lock=True)
                if brief is None or not await uow.briefs.set_status(
                    request_id, BriefStatus.open, BriefStatus.expired, now
                ):
                    continue  # accepted or expired by someone else meanwhile
                await self._close_others(uow, request_id, None, now)
                payload = asdict(BriefExpired(request_id=brief.id, request=brief.text[:200]))
                await uow.outbox.add(
                    NewNotification(
                        brief.buyer_id, "brief.expired", payload, f"brief:{brief.id}:expired"
                    ),
                    now,
                )
                expired += 1
        return expired

    # -- helpers --------------------------------------------------------------------------------

    async def _close_others(
        self, uow: UnitOfWork, request_id: int, keep: int | None, now: datetime
    ) -> None:
        closed = set(await uow.briefs.close_offers(request_id, keep, now))
        for other in await uow.briefs.offers_for(request_id):
            if other.id in closed:
                await uow.outbox.add(_offer_notice(other.seller_id, "offer.closed", other), now)

    def _check_open(self, brief: BriefRecord, now: datetime) -> None:
        if brief.status == BriefStatus.accepted:
            raise NotAllowed(TAKEN)
        if brief.status != BriefStatus.open or is_expired(brief.expires_at, now):
            raise NotAllowed(EXPIRED)

    async def _offer_of_buyer(
        self, uow: UnitOfWork, offer_id: int, buyer_id: int
    ) -> tuple[OfferRecord, BriefRecord]:
        offer = await uow.briefs.offer(offer_id)
        if offer is None:
            raise NotFound(N_("This offer does not exist."))
        brief = await uow.briefs.get(offer.request_id, lock=True)
        if brief is None or brief.buyer_id != buyer_id:
            raise NotAllowed()
        # Read the offer again under the request's lock: on PostgreSQL a concurrent accept
        # (a double tap) may have committed since the first read, and must be seen as done.
        locked = await uow.briefs.offer(offer_id)
        return locked or offer, brief

    async def _brief_for_seller(
        self, uow: UnitOfWork, request_id: int, seller_id: int, *, lock: bool = False
    ) -> tuple[BriefRecord, int]:
        brief = await uow.briefs.get(request_id, lock=lock)
        if brief is None:
            raise NotFound(N_("This request does not exist."))
        gig_id = await uow.briefs.match(request_id, seller_id)
        if gig_id is None:
            raise NotAllowed()  # not sent to this freelancer: a forged button
        self._check_open(brief, self._clock.now())
        return brief, gig_id


def _brief_notice(seller_id: int, brief: BriefRecord) -> NewNotification:
    payload = BriefPosted(
        request_id=brief.id,
        category=brief.category,
        text=brief.text,
        currency=brief.currency,
        budget_minor=brief.budget_minor,
        deadline_days=brief.deadline_days,
        expires_at=brief.expires_at.isoformat(),
    )
    return NewNotification(
        seller_id, "brief.new", asdict(payload), f"brief:{brief.id}:to:{seller_id}"
    )


def _offer_payload(offer: OfferRecord) -> OfferNotice:
    return OfferNotice(
        offer_id=offer.id,
        request_id=offer.request_id,
        currency=offer.currency,
        price_minor=offer.price_minor,
        delivery_days=offer.delivery_days,
        description=offer.description,
    )


def _offer_notice(chat_id: int, kind: str, offer: OfferRecord) -> NewNotification:
    payload = asdict(_offer_payload(offer))
    return NewNotification(chat_id, kind, payload, f"offer:{offer.id}:{kind}")
