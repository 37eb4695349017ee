"""Tips: after approval the buyer may pay the seller a little extra, through an invoice.

A tip is an invoice like the order's (Stripe as provider, or Stars on a Stars order) whose
payload names the order and the amount (`tip:<order>:<amount>`), so the pre-checkout re-check
and the successful payment know what was meant without any state kept between them.
Recording it is one unit of work: a balanced ledger transaction (outside -> seller payable
and platform fees, at the commission rate frozen on the order), an event in the order's
history and both sides' notifications. The transaction's key holds Telegram's charge id, so a
redelivered `successful_payment` records nothing twice. Bounds and offers: `bot.domain.tips`.

Every tip also gets a row of its own (`uow.tips`), because it is paid out on its own: a card
tip's net is transferred from the tip's own charge once the clearance period has passed since
the tip was paid (`PayoutService`), so tips never ride on the order's transfer, whose charge
holds only the order. A Stars tip stays on the seller's payable until an operator settles it
from /payouts, like the order's Stars earnings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.clock import Clock
from bot.domain.ledger import external_source_for, payment_ref, tip_received
from bot.domain.money import Money
from bot.domain.order import Actor, OrderStatus
from bot.domain.pricing import tip_division
from bot.domain.tips import max_tip, min_tip, tip_in_bounds, tip_offers
from bot.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from bot.i18n.markers import N_
from bot.services.money.invoices import InvoiceKind
from bot.services.money.invoices import parse_tip_payload as parse_tip_payload
from bot.services.money.invoices import tip_payload as tip_payload
from bot.services.notices import NoticeKind
from bot.services.orders.access import note
from bot.services.orders.steps import alert_operators, notify
from bot.services.orders.tip_ports import NewTip
from bot.services.ports import OrderRecord, UnitOfWorkFactory

#: What a tip invoice's payload starts with (its kind, see `bot.services.money.invoices`).
TIP_PREFIX = f"{InvoiceKind.TIP}:"


@dataclass(frozen=True)
class TipPaid:
    """What Telegram's `successful_payment` says about a tip."""

    order_id: int
    buyer_id: int
    currency: str
    amount_minor: int
    telegram_charge_id: str
    provider_charge_id: str


@dataclass(frozen=True)
class TipChoice:
    """What the buyer can tip on an order: the offers and the bounds for a typed amount."""

    order: OrderRecord
    offers: list[tuple[int, Money]]
    low: Money
    high: Money


@dataclass(frozen=True)
class TipConfig:
    """What tips need of the settings (filled by `bot.bootstrap.config_of`)."""

    #: operators: they get the alerts and may act as one
    admin_ids: tuple[int, ...]


class TipService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, config: TipConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config

    async def choice(self, order_id: int, buyer_id: int) -> TipChoice:
        """The offers for the buyer of a completed order; refused for anyone else."""
        async with self._uow(read_only=True) as uow:
            order = await uow.orders.get(order_id)
        order = _tippable(order, buyer_id)
        subtotal = Money(order.subtotal_minor, order.currency)
        return TipChoice(order, tip_offers(subtotal), min_tip(order.currency), max_tip(subtotal))

    async def check(
        self, order_id: int, buyer_id: int, amount_minor: int, currency: str | None = None
    ) -> Money:
        """The tip, when `amount_minor` (in the order's currency) may be sent now: before the
        invoice, and again at pre-checkout within Telegram's 10 seconds (reads only)."""
        async with self._uow(read_only=True) as uow:
            order = await uow.orders.get(order_id)
        order = _tippable(order, buyer_id)
        subtotal = Money(order.subtotal_minor, order.currency)
        if currency is not None and currency != order.currency:
            raise Conflict(N_("The price of this order has changed. Please order again."))
        amount = Money(amount_minor, order.currency)
        if not tip_in_bounds(amount, subtotal):
            raise ValidationFailed(
                N_("A tip on this order is from {low} to {high}."),
                low=min_tip(order.currency).format(),
                high=max_tip(subtotal).format(),
            )
        return amount

    async def check_pre_checkout(
        self, payload: str, buyer_id: int, total_minor: int, currency: str
    ) -> None:
        order_id, amount_minor = parse_tip_payload(payload)
        if total_minor != amount_minor:
            raise Conflict(N_("The price of this order has changed. Please order again."))
        await self.check(order_id, buyer_id, total_minor, currency)

    async def record(self, paid: TipPaid) -> bool:
        """Write a paid tip once per Telegram charge id; False when it was already recorded."""
        now = self._clock.now()
        amount = Money(paid.amount_minor, paid.currency)
        async with self._uow() as uow:
            order = await uow.orders.get(paid.order_id)
            if order is None or order.currency != paid.currency:
                # The money arrived with nowhere sensible to go: a human refunds it.
                await alert_operators(
                    uow, self._config.admin_ids, now,
                    N_("Payment {charge} for order #{order_id} has no order to go to; refund it."),
                    f"orphan:{paid.telegram_charge_id}",
                    charge=paid.telegram_charge_id, order_id=paid.order_id,
                )  # fmt: skip
                return False
            net = tip_division(amount, order.rates).seller_net  # the order's frozen rate
            source = external_source_for(order.currency)
            ref = payment_ref(order.rail, paid.telegram_charge_id, paid.provider_charge_id)
            transaction = tip_received(
                order.id, paid.telegram_charge_id, amount, order.seller_id, net, source,
                provider_ref=ref,
            )  # fmt: skip
            if await uow.ledger.has(transaction.key):
                return False
            if ref is not None and await uow.ledger.has_provider_ref(ref):
                # Refunded by the reconcile sweep as unplaced before this arrived.
                await alert_operators(
                    uow, self._config.admin_ids, now,
                    N_("Tip payment {charge} on order #{order_id} arrived after it had been "
                       "refunded as unplaced; nothing was credited."),
                    f"settled:{paid.telegram_charge_id}",
                    charge=paid.telegram_charge_id, order_id=paid.order_id,
                )  # fmt: skip
                return False
            if not await uow.ledger.record(transaction, now):
                return False
            await uow.tips.add(
                NewTip(
                    order.id, order.seller_id, order.currency, amount.amount_minor,
                    _charge_key(paid.telegram_charge_id), paid.provider_charge_id or None,
                    transaction.key, now,
                )
            )  # fmt: skip
            await note(
                uow, order, "tip", Actor.buyer, now, actor_user_id=paid.buyer_id,
                data={"amount_minor": amount.amount_minor, "charge": paid.telegram_charge_id,
                      "provider_charge": paid.provider_charge_id},
            )  # fmt: skip
            dedupe = f"order:{order.id}:tip:{paid.telegram_charge_id}"[:110]
            await uow.outbox.add(
                notify(
                    order.seller_id, NoticeKind.ORDER_TIP_RECEIVED, order,
                    dedupe=f"{dedupe}:seller",
                    tip_minor=amount.amount_minor, net_minor=net.amount_minor,
                ),
                now,
            )  # fmt: skip
            await uow.outbox.add(
                notify(
                    order.buyer_id, NoticeKind.ORDER_TIP_THANKS, order, dedupe=f"{dedupe}:buyer",
                    tip_minor=amount.amount_minor,
                ),
                now,
            )  # fmt: skip
        return True


def _charge_key(telegram_charge_id: str) -> str:
    """The charge id as the tips table keeps it (unique, at most 128 characters)."""
    if len(telegram_charge_id) <= 128:
        return telegram_charge_id
    return "sha256:" + hashlib.sha256(telegram_charge_id.encode()).hexdigest()


def _tippable(order: OrderRecord | None, buyer_id: int) -> OrderRecord:
    if order is None:
        raise NotFound(N_("This order does not exist."))
    if order.buyer_id != buyer_id:
        raise NotAllowed(N_("Only the buyer of this order can add a tip."))
    if order.status != OrderStatus.completed:
        raise Conflict(N_("A tip can be added once the order is completed."))
    return order
