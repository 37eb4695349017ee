"""Refunds: money back to the buyer of a cancelled order, through the rail it came in by.

Order of operations, and why: the provider is asked first (Stripe refund with the ledger
transaction's key as idempotency key, or Telegram's refundStarPayment), and only once it has
answered is the ledger transaction written. So the ledger never shows a refund that did not
happen; a crash in between is repaired by the sweep, whose retry replays the same idempotency
key instead of refunding twice. Until then the cancelled order still holds its escrow: that is
exactly the "refund pending" state, and `awaiting_refund` finds it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.clock import Clock
from bot.domain.ledger import escrow_account, refund, stars_refund_ref, stripe_ref
from bot.domain.money import Money
from bot.domain.order import OrderStatus
from bot.errors import NotAllowed
from bot.i18n.markers import N_
from bot.payments.gateway import (
    PaymentDeclined,
    PaymentGateway,
    PaymentUnavailable,
    RefundResult,
)
from bot.payments.stars import StarsRefunder
from bot.services.order_steps import alert_operators, notify
from bot.services.ports import OrderRecord, UnitOfWorkFactory

log = logging.getLogger(__name__)

SWEEP_BATCH = 100


def refund_key(order_id: int) -> str:
    """The ledger key of an order's full refund, and the provider's idempotency key."""
    return f"order:{order_id}:refund"


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
        """Sweep: refund every cancelled order that still holds its buyer's money."""
        async with self._uow(read_only=True) as uow:
            due = await uow.orders.awaiting_refund(SWEEP_BATCH)
        done = 0
        for order_id in due:
            done += await self.refund_order(order_id)
        return done

    async def refund_order(self, order_id: int) -> bool:
        """Refund what is in a cancelled order's escrow; True when the ledger recorded it."""
        async with self._uow(read_only=True) as uow:
            order = await uow.orders.get(order_id)
            if order is None or order.status != OrderStatus.cancelled or order.refund_error:
                return False
            held = await uow.ledger.balance(escrow_account(order_id), order.currency)
        if held <= 0:
            return False
        try:
            if order.rail == "stars":
                if self._stars is None or not order.telegram_charge_id:
                    raise PaymentUnavailable(detail="no Stars refunder configured")
                await self._stars.refund(order.buyer_id, order.telegram_charge_id)
                ref = stars_refund_ref(order.telegram_charge_id)
            else:
                if self._gateway is None or not order.provider_charge_id:
                    raise PaymentUnavailable(detail="no card gateway configured")
                result = await self._gateway.refund(
                    order.provider_charge_id, held, order.currency, refund_key(order_id)
                )
                ref = stripe_ref(result.refund_id)
        except PaymentUnavailable as exc:
            log.warning("refund of order %s postponed: %s", order_id, exc)
            return False
        except PaymentDeclined as exc:
            await self._record_failure(order_id, str(exc))
            return False
        now = self._clock.now()
        async with self._uow() as uow:
            transaction = refund(
                order_id, Money(held, order.currency), key=refund_key(order_id), provider_ref=ref
            )
            recorded = await uow.ledger.record(transaction, now)
            if recorded:
                await uow.outbox.add(
                    notify(order.buyer_id, "order.refunded", order, refunded_minor=held), now
                )
        return recorded

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

    async def _record_failure(self, order_id: int, error: str) -> None:
        log.error("refund of order %s refused by the provider: %s", order_id, error)
        now = self._clock.now()
        async with self._uow() as uow:
            order = await uow.orders.get_for_update(order_id)
            if order is None:
                return
            await uow.orders.update(order_id, order.version, refund_error=error[:1000])
            await alert_operators(
                uow,
                self._admins,
                now,
                N_("Refund of order #{order_id} was refused by the provider: {error}"),
                f"refund:{order_id}",
                order_id=order_id,
                error=error,
            )
