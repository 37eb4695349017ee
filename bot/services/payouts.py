"""Paying sellers: Stripe Connect transfers after clearance, and Stars settled by operators.

Card earnings: once an order's escrow was released and CLEARANCE_PERIOD has passed, the seller's
net is transferred to their connected account (transfer_group `order_<id>`, the charge as
source_transaction) and only then written to the ledger, under the key that was also the
transfer's idempotency key. Sellers who have not finished onboarding are skipped until they have.

Stars cannot be transferred by the bot, so Stars earnings stay on the seller's payable account
until an operator settles them by hand (`/payouts`) and marks it, which writes the payout.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.domain.ledger import EXTERNAL_STARS, payable_seller, payout, seller_payable
from bot.domain.money import Money
from bot.domain.user import UserProfile
from bot.errors import Conflict, NotAllowed, NotFound
from bot.i18n.markers import N_
from bot.payments.gateway import PaymentDeclined, PaymentGateway, PaymentUnavailable
from bot.services.order_steps import alert_operators
from bot.services.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)

SWEEP_BATCH = 100
SELLER_PREFIX = "seller:"


def payout_key(order_id: int) -> str:
    return f"order:{order_id}:payout"


@dataclass(frozen=True)
class Owed:
    """What the marketplace owes one seller in one currency."""

    seller_id: int
    amount: Money
    #: Who the seller is, so the operator sees a name rather than an id (None if unknown).
    seller: UserProfile | None = None


class PayoutService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        settings: Settings,
        gateway: PaymentGateway | None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings
        self._gateway = gateway

    async def pay_due(self) -> int:
        """Sweep: transfer cleared card earnings to onboarded sellers; returns how many."""
        if self._gateway is None:
            return 0
        cleared_before = self._clock.now() - self._settings.clearance_period
        async with self._uow(read_only=True) as uow:
            due = await uow.orders.awaiting_payout(cleared_before, SWEEP_BATCH)
        paid = 0
        for order_id in due:
            paid += await self._pay_order(self._gateway, order_id)
        return paid

    async def _pay_order(self, gateway: PaymentGateway, order_id: int) -> bool:
        async with self._uow(read_only=True) as uow:
            order = await uow.orders.get(order_id)
            seller = await uow.users.get(order.seller_id) if order else None
            transactions = await uow.ledger.order_transactions(order_id)
        if order is None or seller is None or not order.provider_charge_id:
            return False
        if not seller.payouts_enabled or not seller.stripe_account_id:
            return False  # picked up again once onboarding is finished
        account = seller_payable(order.seller_id)
        net = sum(t.amount_for(account, order.currency) for t in transactions if t.kind != "payout")
        if net <= 0:
            return False
        key = payout_key(order_id)
        try:
            result = await gateway.transfer(
                net,
                order.currency,
                seller.stripe_account_id,
                transfer_group=f"order_{order_id}",
                source_transaction=order.provider_charge_id,
                idempotency_key=key,
            )
        except PaymentUnavailable as exc:
            log.warning("payout of order %s postponed: %s", order_id, exc)
            return False
        except PaymentDeclined as exc:
            await self._record_failure(order_id, str(exc))
            return False
        now = self._clock.now()
        transaction = dataclasses.replace(
            payout(order.seller_id, Money(net, order.currency), key), order_id=order_id
        )
        async with self._uow() as uow:
            recorded = await uow.ledger.record(transaction, now)
        log.info("order %s paid out by transfer %s", order_id, result.transfer_id)
        return recorded

    async def _record_failure(self, order_id: int, error: str) -> None:
        log.error("payout of order %s refused by the provider: %s", order_id, error)
        now = self._clock.now()
        async with self._uow() as uow:
            order = await uow.orders.get_for_update(order_id)
            if order is None:
                return
            await uow.orders.update(order_id, order.version, payout_error=error[:1000])
            await alert_operators(
                uow,
                self._settings.admin_ids,
                now,
                N_("Payout of order #{order_id} was refused by the provider: {error}"),
                f"payout:{order_id}",
                order_id=order_id,
                error=error,
            )

    def _check_operator(self, user_id: int) -> None:
        if user_id not in self._settings.admin_ids:
            raise NotAllowed()

    async def owed(self, operator_id: int) -> Sequence[Owed]:
        """Every seller balance still owed, per currency (Stars first: they need a human)."""
        self._check_operator(operator_id)
        async with self._uow(read_only=True) as uow:
            balances = await uow.ledger.balances(SELLER_PREFIX)
            owed = [
                Owed(seller_id, Money(amount, currency), await uow.users.get(seller_id))
                for (account, currency), amount in balances.items()
                if amount > 0 and (seller_id := payable_seller(account)) is not None
            ]
        return sorted(owed, key=lambda o: (o.amount.currency != "XTR", o.seller_id))

    async def settle(self, operator_id: int, seller_id: int, amount: Money) -> Money:
        """Mark a seller's balance as paid by hand; refused if it changed since it was listed.

        Why the lock: the balance is a sum over ledger rows, which no unique key protects, so a
        double tap (or two replicas) on PostgreSQL READ COMMITTED could both read the same
        balance and each record a payout of it, driving the payable negative. Settlements of a
        seller therefore queue on the seller's user row, and the balance is read only once the
        lock is held, when it includes whatever the previous settlement committed. The second
        tap then finds the balance changed and gets a `Conflict`, shown as a plain message.
        """
        self._check_operator(operator_id)
        now = self._clock.now()
        account = seller_payable(seller_id)
        async with self._uow() as uow:
            if await uow.users.get_for_update(seller_id) is None:
                raise NotFound()
            held = await uow.ledger.balance(account, amount.currency)
            if held != amount.amount_minor or held <= 0:
                raise Conflict(N_("This balance changed; please open /payouts again."))
            number = 1
            while await uow.ledger.has(f"settle:{seller_id}:{amount.currency}:{number}"):
                number += 1
            destination = EXTERNAL_STARS if amount.currency == "XTR" else "external:manual"
            key = f"settle:{seller_id}:{amount.currency}:{number}"
            if not await uow.ledger.record(payout(seller_id, amount, key, destination), now):
                # Cannot happen under the lock; if it ever does, say so rather than claim a
                # settlement that another transaction made.
                raise Conflict(N_("This balance changed; please open /payouts again."))
        return amount
