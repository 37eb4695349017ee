"""Refunds: money back to the buyer of a cancelled order, through the rail it came in by.

Order of operations, and why: the provider is asked first (Stripe refund with the ledger
transaction's key as idempotency key, or Telegram's refundStarPayment), and only once it has
answered is the ledger transaction written. So the ledger never shows a refund that did not
happen; a crash in between is repaired by the sweep, whose retry replays the same idempotency
key instead of refunding twice. Until then the cancelled order still holds its escrow: that is
exactly the "refund pending" state, and `awaiting_refund` finds it.

A refund that cannot happen by itself (the provider refuses it for good, or this configuration
has no way to the order's rail, such as a card payment without STRIPE_SECRET_KEY) is not
retried forever: it becomes an operator task (`refund_error`, one alert) and the buyer is told
that a person is handling it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from bot.clock import Clock
from bot.domain.ledger import (
    EXTERNAL_REFUNDS,
    LedgerTransaction,
    duplicate_refund,
    duplicate_refund_key,
    escrow_account,
    refund,
    stars_refund_ref,
    stripe_ref,
)
from bot.domain.money import STARS, Money
from bot.domain.order import Actor, OrderStatus
from bot.errors import NotAllowed
from bot.i18n.markers import N_
from bot.payments.gateway import (
    PaymentDeclined,
    PaymentGateway,
    PaymentUnavailable,
    RefundResult,
)
from bot.payments.stars import StarsRefunder
from bot.services.orders.access import note
from bot.services.orders.steps import alert_operators, notify
from bot.services.ports import OrderRecord, UnitOfWorkFactory

log = logging.getLogger(__name__)

SWEEP_BATCH = 100
#: Order events of a second charge for an order already paid, and of its refund failing.
SECOND_CHARGE = "second_charge"
SECOND_CHARGE_REFUND_FAILED = "second_charge_refund_failed"
DUPLICATE_PREFIX = "duplicate:order:"
#: The buyer's notice when a refund needs a person (see `_record_failure`).
REFUND_BY_OPERATOR = "order.refund_by_operator"
REFUSED = N_("Refund of order #{order_id} was refused by the provider: {error}")
MISSING_MEANS = N_(
    "Refund of order #{order_id} ({amount}) cannot be made by the bot: {error}. Please refund "
    "the buyer by hand."
)


def refund_key(order_id: int) -> str:
    """The ledger key of an order's full refund, and the provider's idempotency key."""
    return f"order:{order_id}:refund"


def stripe_refund_key(
    order_id: int, charge_id: str, refund_id: str | None, cumulative_minor: int
) -> str:
    """The ledger key of a refund seen only in a `charge.refunded` event (the dashboard).

    The Stripe refund id when the event names it; otherwise the charge's cumulative refunded
    amount, which only grows, so each new refund of the charge gets a key of its own.
    """
    if refund_id:
        return f"order:{order_id}:refund:{refund_id}"[:128]
    return f"order:{order_id}:refund:{charge_id}:{cumulative_minor}"[:128]


def refunded_of_charge(transactions: Sequence[LedgerTransaction], currency: str) -> int:
    """What the ledger holds as refunded of an order's own charge: its refunds and the
    buyer's part of a split (a second charge's pair is booked apart and not counted)."""
    return sum(
        t.amount_for(EXTERNAL_REFUNDS, currency)
        for t in transactions
        if t.kind in ("refund", "split")
    )


class RefundService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        gateway: PaymentGateway | None,
        stars: StarsRefunder | None,
        admin_ids: Sequence[int] = (),
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._gateway = gateway
        self._stars = stars
        self._admins = tuple(admin_ids)

    async def refund_due(self) -> int:
        """Sweep: refund every cancelled order that still holds its buyer's money, and every
        second charge of a paid order not yet given back."""
        async with self._uow(read_only=True) as uow:
            due = await uow.orders.awaiting_refund(SWEEP_BATCH)
            duplicates = await uow.ledger.balances(DUPLICATE_PREFIX)
        done = 0
        for order_id in due:
            done += await self.refund_order(order_id)
        waiting = sorted(account for (account, _c), held in duplicates.items() if held > 0)
        for account in waiting[:SWEEP_BATCH]:
            done += await self._refund_duplicates_of(int(account.rsplit(":", 1)[1]))
        return done

    async def _refund_duplicates_of(self, order_id: int) -> int:
        async with self._uow(read_only=True) as uow:
            events = await uow.order_events.for_order(order_id)
        charges = [str(e.data.get("charge")) for e in events if e.event == SECOND_CHARGE]
        return sum([await self.refund_duplicate(order_id, charge) for charge in charges])

    async def refund_duplicate(self, order_id: int, telegram_charge_id: str) -> bool:
        """Give back a second charge of an order already paid; True when the ledger recorded it.

        Same order of operations as `refund_order`: the provider first (the ledger key as its
        idempotency key), the ledger after. A refund that cannot happen is an operator task.
        """
        key = duplicate_refund_key(order_id, telegram_charge_id)
        async with self._uow(read_only=True) as uow:
            order = await uow.orders.get(order_id)
            events = await uow.order_events.for_order(order_id)
            done = await uow.ledger.has(key)
        mine = [e for e in events if e.data.get("charge") == telegram_charge_id]
        charge = next((e for e in mine if e.event == SECOND_CHARGE), None)
        if order is None or done or charge is None:
            return False
        if any(e.event == SECOND_CHARGE_REFUND_FAILED for e in mine):
            return False  # an operator handles it
        amount = Money(int(charge.data["amount_minor"]), str(charge.data["currency"]))
        payer = charge.actor_user_id or order.buyer_id
        provider_charge = str(charge.data.get("provider_charge") or "")
        paid = replace(
            order,
            rail="stars" if amount.currency == STARS else "stripe",
            telegram_charge_id=telegram_charge_id,
            provider_charge_id=provider_charge or None,
        )
        missing = self.cannot_refund(paid)
        if missing is not None:
            await self._duplicate_failure(order, telegram_charge_id, amount, missing)
            return False
        stars, gateway = self._stars, self._gateway
        try:
            if amount.currency == STARS and stars is not None:
                await stars.refund(payer, telegram_charge_id)
                ref = stars_refund_ref(telegram_charge_id)
            elif gateway is not None and provider_charge:
                result = await gateway.refund(
                    provider_charge, amount.amount_minor, amount.currency, key
                )
                ref = stripe_ref(result.refund_id)
            else:  # ruled out by `cannot_refund`
                return False
        except PaymentUnavailable as exc:
            log.warning("refund of a second charge of order %s postponed: %s", order_id, exc)
            return False
        except PaymentDeclined as exc:
            await self._duplicate_failure(order, telegram_charge_id, amount, str(exc))
            return False
        now = self._clock.now()
        async with self._uow() as uow:
            recorded = await uow.ledger.record(
                duplicate_refund(order_id, telegram_charge_id, amount, provider_ref=ref), now
            )
            if recorded:
                await uow.outbox.add(
                    notify(
                        payer, "order.refunded", order, dedupe=f"{key}:notice"[:128],
                        refunded_minor=amount.amount_minor,
                    ),
                    now,
                )  # fmt: skip
        return recorded

    async def _duplicate_failure(
        self, order: OrderRecord, telegram_charge_id: str, amount: Money, error: str
    ) -> None:
        """A second charge that will not be refunded by itself: one alert, the buyer told."""
        log.error("refund of a second charge of order %s cannot be made: %s", order.id, error)
        key = duplicate_refund_key(order.id, telegram_charge_id)
        now = self._clock.now()
        async with self._uow() as uow:
            await note(
                uow, order, SECOND_CHARGE_REFUND_FAILED, Actor.system, now,
                data={"charge": telegram_charge_id, "error": error[:1000]},
            )  # fmt: skip
            await alert_operators(
                uow,
                self._admins,
                now,
                N_(
                    "Order #{order_id} was paid twice; the second payment ({amount}, charge "
                    "{charge}) cannot be refunded by the bot: {error}. Please refund it by hand."
                ),
                key,
                order_id=order.id,
                amount=amount.format(),
                charge=telegram_charge_id,
                error=error,
            )
            await uow.outbox.add(
                notify(
                    order.buyer_id, REFUND_BY_OPERATOR, order, dedupe=f"{key}:operator"[:128],
                    refunded_minor=amount.amount_minor,
                ),
                now,
            )  # fmt: skip

    async def refund_order(self, order_id: int) -> bool:
        """Refund what is in a cancelled order's escrow; True when the ledger recorded it."""
        async with self._uow(read_only=True) as uow:
            order = await uow.orders.get(order_id)
            if order is None or order.status != OrderStatus.cancelled or order.refund_error:
                return False
            held = await uow.ledger.balance(escrow_account(order_id), order.currency)
        if held <= 0:
            return False
        missing = self.cannot_refund(order)
        if missing is not None:
            # Retrying cannot help: no process of this configuration will ever refund it.
            await self._record_failure(order_id, missing, MISSING_MEANS)
            return False
        stars, gateway = self._stars, self._gateway
        try:
            if order.rail == "stars" and stars is not None and order.telegram_charge_id:
                await stars.refund(order.buyer_id, order.telegram_charge_id)
                ref = stars_refund_ref(order.telegram_charge_id)
            elif gateway is not None and order.provider_charge_id:
                result = await gateway.refund(
                    order.provider_charge_id, held, order.currency, refund_key(order_id)
                )
                ref = stripe_ref(result.refund_id)
            else:  # ruled out by `cannot_refund`
                return False
        except PaymentUnavailable as exc:
            log.warning("refund of order %s postponed: %s", order_id, exc)
            return False
        except PaymentDeclined as exc:
            await self._record_failure(order_id, str(exc))
            return False
        now = self._clock.now()
        async with self._uow() as uow:
            # Stripe's `charge.refunded` may have booked (part of) this refund meanwhile: book
            # only what the escrow still holds, under the order's lock (see the webhook).
            await uow.orders.get_for_update(order_id)
            left = min(held, await uow.ledger.balance(escrow_account(order_id), order.currency))
            if left <= 0:
                return False
            transaction = refund(
                order_id, Money(left, order.currency), key=refund_key(order_id), provider_ref=ref
            )
            recorded = await uow.ledger.record(transaction, now)
            if recorded:
                await uow.outbox.add(
                    notify(order.buyer_id, "order.refunded", order, refunded_minor=left), now
                )
        return recorded

    def cannot_refund(self, order: OrderRecord) -> str | None:
        """Why this process can never refund `order` (no way to its rail), or None.

        Handlers ask it before telling a buyer that their refund is on its way.
        """
        if order.rail == "stars":
            if self._stars is None:
                return "no Stars refunder is configured"
            if not order.telegram_charge_id:
                return "the payment has no Telegram charge id"
            return None
        if self._gateway is None:
            return "no card gateway: STRIPE_SECRET_KEY is not set"
        if not order.provider_charge_id:
            return "the payment has no Stripe charge id"
        return None

    async def refund_part(
        self, order: OrderRecord, amount_minor: int, key: str
    ) -> RefundResult | None:
        """Give part of a card payment back (a split dispute) before its ledger transaction is
        written by the caller. Stars can only be refunded whole, so a split is card-only.

        Raises `PaymentUnavailable` (try again later) or `PaymentDeclined` (an operator looks).
        """
        if amount_minor <= 0:
            return None
        if order.rail == "stars":
            raise NotAllowed(
                N_("A Stars payment can only be refunded in full: release or refund instead.")
            )
        if self._gateway is None or not order.provider_charge_id:
            raise PaymentUnavailable(detail="no card gateway configured")
        return await self._gateway.refund(
            order.provider_charge_id, amount_minor, order.currency, key
        )

    async def _record_failure(self, order_id: int, error: str, message: str = REFUSED) -> None:
        """A refund that will not happen by itself: an operator task, never a silent retry.

        `refund_error` takes the order out of the sweep, the operators are alerted once (the
        alert's dedupe key is the order), and the buyer learns that a person is handling their
        refund rather than waiting for one that is not coming.
        """
        log.error("refund of order %s cannot be made: %s", order_id, error)
        now = self._clock.now()
        async with self._uow() as uow:
            order = await uow.orders.get_for_update(order_id)
            if order is None or order.refund_error:
                return
            await uow.orders.update(order_id, order.version, refund_error=error[:1000])
            held = await uow.ledger.balance(escrow_account(order_id), order.currency)
            await alert_operators(
                uow,
                self._admins,
                now,
                message,
                f"refund:{order_id}",
                order_id=order_id,
                error=error,
                amount=Money(held, order.currency).format(),
            )
            await uow.outbox.add(
                notify(order.buyer_id, REFUND_BY_OPERATOR, order, refunded_minor=held), now
            )
