"""`reconcile`: Stripe's and Telegram's record of money against the ledger, and its safety net.

`reconcile()` lists every Stripe charge, refund and transfer (all pages) and every Stars
transaction with a user (getStarTransactions), reads every ledger transaction that names a
provider object, and matches the two with the pure `bot.domain.reconcile.match`. A provider
that is not configured (no Stripe key, no bot) is not listed, and ledger transactions naming
its objects are left out rather than reported missing.

`ReconcileService.sweep()` is the daily run (bot/scheduler.py). Money that came in and that the
ledger lacks (a payment lost to a crash or an outage before it was booked) is first booked
through the normal payment path, when its order can be named: the Stars payment's
invoice_payload, or a Stripe charge's metadata (`invoice_payload`, `telegram_payment_charge_id`)
or the order that recorded the charge. A charge nobody can place is refunded (idempotently: the
provider's key or Telegram's once-per-charge rule) and booked through a suspense account, so the
ledger shows both the charge and its refund. Every mismatch that remains is sent to the
operators, once per mismatch (the outbox's dedupe key).

Why a grace period: a payment a few minutes old may still be on its way through the journal or
a redelivered update; booking or refunding it here would race the normal path.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.clock import Clock
from bot.domain.ledger import (
    EXTERNAL_REFUNDS,
    Entry,
    LedgerTransaction,
    external_source_for,
    stars_ref,
    stars_refund_ref,
    stripe_ref,
)
from bot.domain.money import STARS, Money
from bot.domain.reconcile import (
    Mismatch,
    ProviderObject,
    ReconcileReport,
    match,
    missing_charges,
    short_key,
)
from bot.errors import GigBrokerError, NotFound, PaymentError
from bot.i18n.markers import N_
from bot.payments.gateway import CardObject, PaymentGateway, PaymentUnavailable
from bot.payments.stars import StarsLedger, StarsRefunder, StarsTransaction
from bot.services.money.payments import PaymentReceived, PaymentService, parse_payload
from bot.services.orders.steps import alert_operators
from bot.services.orders.tips import TipPaid, TipService, parse_tip_payload
from bot.services.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)


#: History read before `since`, so that an object and its booking a little apart in time still
#: meet (a payment booked just after the window opened for a charge made just before).
SLACK = timedelta(days=1)
#: What the daily sweep looks at; mismatches found before stay alerted (once).
SWEEP_WINDOW = timedelta(days=7)
#: A charge younger than this is left to the normal path (journal, redelivered update).
GRACE = timedelta(hours=1)
#: Where a charge nobody can place waits between its booking and its refund (nets to zero).
SUSPENSE = "suspense:reconcile"

STRIPE, STARS_PREFIXES = "stripe", ("stars", "stars-refund")


async def provider_objects(
    gateway: PaymentGateway | None, stars: StarsLedger | None, since: datetime | None
) -> list[ProviderObject]:
    """Every money movement the configured providers hold, created at or after `since`."""
    return [
        *(await _card_objects(gateway, since) if gateway is not None else []),
        *(await _stars_objects(stars, since) if stars is not None else []),
    ]


def _unix(since: datetime | None) -> int | None:
    return int(since.timestamp()) if since is not None else None


async def _card_objects(gateway: PaymentGateway, since: datetime | None) -> list[ProviderObject]:
    created_since = _unix(since)
    cards = (
        *await gateway.list_charges(created_since),
        *await gateway.list_refunds(created_since),
        *await gateway.list_transfers(created_since),
    )
    return [_card_object(card) for card in cards]


async def _stars_objects(stars: StarsLedger, since: datetime | None) -> list[ProviderObject]:
    return [_stars_object(t) for t in await stars.transactions(_unix(since))]


def _at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def _card_object(card: CardObject) -> ProviderObject:
    ref = stripe_ref(card.object_id) or ""
    return ProviderObject(
        ref=ref,
        kind=card.kind,
        direction="in" if card.kind == "charge" else "out",
        amount=Money(card.amount_minor, card.currency),
        created_at=_at(card.created),
        payload=card.metadata.get("invoice_payload", ""),
        telegram_charge_id=card.metadata.get("telegram_payment_charge_id", ""),
        charge_ref=stripe_ref(card.charge_id),
        description=card.description if card.kind == "charge" else "",
    )


def _stars_object(transaction: StarsTransaction) -> ProviderObject:
    if transaction.incoming:
        return ProviderObject(
            ref=stars_ref(transaction.transaction_id) or "",
            kind="stars_payment",
            direction="in",
            amount=Money(transaction.amount, STARS),
            created_at=_at(transaction.date),
            payload=transaction.invoice_payload,
            payer_id=transaction.user_id,
            telegram_charge_id=transaction.transaction_id,
        )
    return ProviderObject(
        ref=stars_refund_ref(transaction.transaction_id) or "",
        kind="stars_refund",
        direction="out",
        amount=Money(transaction.amount, STARS),
        created_at=_at(transaction.date),
        payer_id=transaction.user_id,
        charge_ref=stars_ref(transaction.transaction_id),
    )


def _checked_prefixes(gateway: PaymentGateway | None, stars: StarsLedger | None) -> set[str]:
    prefixes: set[str] = set()
    if gateway is not None:
        prefixes.add(STRIPE)
    if stars is not None:
        prefixes.update(STARS_PREFIXES)
    return prefixes


@dataclass(frozen=True)
class ReconcileRun:
    """A report and the provider objects it was made from (the safety net needs both)."""

    report: ReconcileReport
    objects: Sequence[ProviderObject]


async def reconcile_run(
    uow: UnitOfWorkFactory,
    gateway: PaymentGateway | None,
    stars: StarsLedger | None,
    since: datetime | None = None,
    *,
    tolerate_failures: bool = False,
) -> ReconcileRun:
    """List, read and match. A provider that cannot be listed raises `PaymentError`, or, with
    `tolerate_failures` (the daily sweep), is left out on both sides and named in
    `report.unchecked`, so one provider's outage does not stop the other's check."""
    read_from = since - SLACK if since is not None else None
    objects: list[ProviderObject] = []
    unchecked: list[str] = []
    if gateway is not None:
        try:
            objects.extend(await _card_objects(gateway, read_from))
        except PaymentError as exc:
            if not tolerate_failures:
                raise
            unchecked.append(f"stripe: not checked (could not be listed: {exc})")
            gateway = None
    if stars is not None:
        try:
            objects.extend(await _stars_objects(stars, read_from))
        except PaymentError as exc:
            if not tolerate_failures:
                raise
            unchecked.append(f"stars: not checked (could not be listed: {exc})")
            stars = None
    async with uow(read_only=True) as unit:
        booked = await unit.ledger.with_provider_refs(read_from)
    checked = _checked_prefixes(gateway, stars)
    relevant = [
        b
        for b in booked
        if (b.transaction.provider_ref or "").partition(":")[0] in checked
    ]
    report = match(objects, relevant, since)
    return ReconcileRun(dataclasses.replace(report, unchecked=tuple(unchecked)), objects)


async def reconcile(
    uow: UnitOfWorkFactory,
    gateway: PaymentGateway | None,
    stars: StarsLedger | None,
    since: datetime | None = None,
) -> ReconcileReport:
    """Match every provider object (since `since`) to the ledger; nothing is changed."""
    return (await reconcile_run(uow, gateway, stars, since)).report


# ---------------------------------------------------------------------------------------------
# the sweep and its safety net
# ---------------------------------------------------------------------------------------------


def _key(ref: str, part: str) -> str:
    key = f"reconcile:{ref}:{part}"
    if len(key) <= 128:
        return key
    return f"reconcile:sha256:{hashlib.sha256(ref.encode()).hexdigest()}:{part}"


def unplaced_charge(obj: ProviderObject) -> LedgerTransaction:
    """A charge no order could take: from the outside into suspense, until it is refunded."""
    return LedgerTransaction(
        key=_key(obj.ref, "payment"),
        kind="unplaced_payment",
        entries=(
            Entry(external_source_for(obj.amount.currency), -obj.amount),
            Entry(SUSPENSE, obj.amount),
        ),
        provider_ref=obj.ref,
    )


def unplaced_refund(obj: ProviderObject, amount: Money, refund_ref: str) -> LedgerTransaction:
    """The refund of an unplaced charge: out of suspense, back to the payer."""
    return LedgerTransaction(
        key=_key(obj.ref, "refund"),
        kind="unplaced_refund",
        entries=(Entry(SUSPENSE, -amount), Entry(EXTERNAL_REFUNDS, amount)),
        provider_ref=refund_ref,
    )


@dataclass(frozen=True)
class _Placement:
    """Where a charge the ledger lacks belongs, as far as the provider's record says."""

    payload: str
    buyer_id: int
    telegram_charge_id: str
    provider_charge_id: str


class ReconcileService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        admin_ids: Sequence[int],
        gateway: PaymentGateway | None,
        stars: StarsLedger | None,
        stars_refunder: StarsRefunder | None,
        payments: PaymentService,
        tips: TipService,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._admins = tuple(admin_ids)
        self._gateway = gateway
        self._stars = stars
        self._stars_refunder = stars_refunder
        self._payments = payments
        self._tips = tips

    async def check(self, since: datetime | None = None) -> ReconcileReport:
        return await reconcile(self._uow, self._gateway, self._stars, since)

    async def sweep(self) -> int:
        """Book or refund what came in unbooked, then alert on what still differs (except money
        younger than `GRACE`, most likely still in flight); returns the number of mismatches
        left."""
        since = self._clock.now() - SWEEP_WINDOW
        run = await self._run(since)
        settled = 0
        for mismatch in missing_charges(run.report):
            settled += await self._settle(mismatch, run.objects)
        if settled:
            run = await self._run(since)
        for line in run.report.unchecked:
            await self._alert(
                N_("Reconcile: {problem}. It is tried again tomorrow."),
                short_key(f"reconcile:unchecked:{self._clock.now().date()}:{line}"),
                problem=line,
            )
        young = self._clock.now() - GRACE
        for mismatch in run.report.mismatches:
            if mismatch.provider is not None and mismatch.provider.created_at > young:
                continue  # in flight, most likely: the next run books or reports it
            await self._alert(
                N_("Reconcile: {mismatch}. Please check it."),
                mismatch.dedupe,
                mismatch=mismatch.line(),
            )
        log.info("%s", run.report.summary())
        return len(run.report.mismatches)

    async def _run(self, since: datetime) -> ReconcileRun:
        return await reconcile_run(
            self._uow, self._gateway, self._stars, since, tolerate_failures=True
        )

    async def _settle(self, mismatch: Mismatch, objects: Sequence[ProviderObject]) -> bool:
        """Book one charge the ledger lacks, or refund it; True when the ledger now has it."""
        obj = mismatch.provider
        if obj is None or obj.created_at > self._clock.now() - GRACE:
            return False
        placement = await self._placement(obj)
        booked = await self._book(obj, placement) if placement is not None else False
        if booked is None:
            return False  # a transient refusal: tried again by the next run
        if booked and placement is not None:
            await self._alert(
                N_("Reconcile booked {ref} ({amount}), which the ledger lacked, as {payload}."),
                short_key(f"reconcile:booked:{obj.ref}"),
                ref=obj.ref,
                amount=obj.amount.format(),
                payload=placement.payload,
            )
            return True
        return await self._refund(obj, objects)

    async def _placement(self, obj: ProviderObject) -> _Placement | None:
        payload, telegram_charge, buyer = obj.payload, obj.telegram_charge_id, obj.payer_id
        provider_charge = obj.ref.removeprefix("stripe:") if obj.kind == "charge" else ""
        if provider_charge and (not payload or not telegram_charge):
            async with self._uow(read_only=True) as uow:
                order = await uow.orders.get_by_provider_charge(provider_charge)
            if order is not None and order.telegram_charge_id:
                payload = payload or f"order:{order.id}"
                telegram_charge = telegram_charge or order.telegram_charge_id
        if not payload or not telegram_charge:
            # Without Telegram's charge id the payment cannot be booked the way the update would
            # have booked it: a later redelivery would then look like a second charge.
            return None
        if buyer is None:
            order_id = _order_of(payload)
            async with self._uow(read_only=True) as uow:
                order = await uow.orders.get(order_id) if order_id is not None else None
            if order is None:
                return None
            buyer = order.buyer_id
        return _Placement(payload, buyer, telegram_charge, provider_charge)

    async def _book(self, obj: ProviderObject, place: _Placement) -> bool | None:
        """Through the normal payment path: True when the ledger now names the charge, False
        when no order takes it (refund it), None when booking failed for now (a conflict with
        a concurrent change, say: try again next time rather than refund a payment)."""
        amount = obj.amount
        try:
            if place.payload.startswith("tip:"):
                order_id, _amount = parse_tip_payload(place.payload)
                await self._tips.record(
                    TipPaid(order_id, place.buyer_id, amount.currency, amount.amount_minor,
                            place.telegram_charge_id, place.provider_charge_id)
                )  # fmt: skip
            else:
                await self._payments.confirm_payment(
                    PaymentReceived(
                        parse_payload(place.payload), place.buyer_id, amount.currency,
                        amount.amount_minor, place.telegram_charge_id, place.provider_charge_id,
                    )
                )  # fmt: skip
        except NotFound as exc:
            log.warning("reconcile found no order for %s (%s): %s", obj.ref, place.payload, exc)
            return False
        except GigBrokerError as exc:
            log.warning("reconcile could not book %s as %s: %s", obj.ref, place.payload, exc)
            return None
        async with self._uow(read_only=True) as uow:
            return await uow.ledger.has_provider_ref(obj.ref)

    async def _refund(self, obj: ProviderObject, objects: Sequence[ProviderObject]) -> bool:
        """Give back a charge no order takes, then book it and its refund through suspense."""
        if not _ours(obj):
            # The Stripe account may take other payments too (a website): never refund those.
            await self._alert(
                N_("Reconcile: {ref} ({amount}) is in Stripe but not in the ledger, and is not "
                   "recognizably a Telegram payment, so it was not refunded. Please check it."),
                short_key(f"reconcile:foreign:{obj.ref}"),
                ref=obj.ref, amount=obj.amount.format(),
            )  # fmt: skip
            return False
        already = sum(
            o.amount.amount_minor
            for o in objects
            if o.charge_ref == obj.ref and o.kind in ("refund", "stars_refund")
        )
        left = Money(obj.amount.amount_minor - already, obj.amount.currency)
        try:
            refund_ref = await self._refund_at_provider(obj, left)
        except PaymentUnavailable as exc:
            log.warning("reconcile refund of %s postponed: %s", obj.ref, exc)
            return False
        except PaymentError as exc:
            await self._alert(
                N_("Reconcile could not refund {ref} ({amount}), which no order takes: {error}"),
                short_key(f"reconcile:refund-failed:{obj.ref}"),
                ref=obj.ref,
                amount=obj.amount.format(),
                error=str(exc),
            )
            return False
        if refund_ref is None:
            return False
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.ledger.record(unplaced_charge(obj), now)
            if left.is_positive():
                await uow.ledger.record(unplaced_refund(obj, left, refund_ref), now)
            await alert_operators(
                uow, self._admins, now,
                N_("Reconcile refunded {ref} ({amount}): no order takes this payment."),
                short_key(f"reconcile:refunded:{obj.ref}"),
                ref=obj.ref, amount=left.format(),
            )  # fmt: skip
        return True

    async def _refund_at_provider(self, obj: ProviderObject, left: Money) -> str | None:
        """The refund's reference once the provider accepted it (None: cannot refund here)."""
        if not left.is_positive():
            return ""
        if obj.kind == "stars_payment":
            if self._stars_refunder is None or obj.payer_id is None:
                return None
            await self._stars_refunder.refund(obj.payer_id, obj.telegram_charge_id)
            return stars_refund_ref(obj.telegram_charge_id)
        if obj.kind == "charge" and self._gateway is not None:
            charge_id = obj.ref.removeprefix("stripe:")
            result = await self._gateway.refund(
                charge_id, left.amount_minor, left.currency, _key(obj.ref, "refund")
            )
            return stripe_ref(result.refund_id)
        return None

    async def _alert(self, message: str, dedupe: str, **params: object) -> None:
        async with self._uow() as uow:
            await alert_operators(uow, self._admins, self._clock.now(), message, dedupe, **params)


def _ours(obj: ProviderObject) -> bool:
    """Whether a payment the ledger lacks is one of the bot's: every Stars payment is (the
    bot's own Stars account); a Stripe charge when Telegram's marks are on it (the invoice
    payload or Telegram's charge id in its metadata, or Telegram in its description)."""
    if obj.kind == "stars_payment":
        return True
    return bool(obj.payload or obj.telegram_charge_id or "telegram" in obj.description.lower())


def _order_of(payload: str) -> int | None:
    try:
        if payload.startswith("tip:"):
            return parse_tip_payload(payload)[0]
        return parse_payload(payload)
    except NotFound:
        return None
