"""Paying sellers: Stripe Connect transfers after clearance, and Stars settled by operators.

Card earnings: once an order's escrow was released and CLEARANCE_PERIOD has passed, the seller's
net is transferred to their connected account (transfer_group `order_<id>`, the charge as
source_transaction) and only then written to the ledger, under the key that was also the
transfer's idempotency key. Sellers who have not finished onboarding are skipped until they have.

Tips are paid the same way but on their own: each card tip's net is transferred from the tip's
own charge once CLEARANCE_PERIOD has passed since the tip was paid, under `tip:<id>:payout`.
Why not with the order: the order's transfer draws on the order's charge, which holds only
the order; two large tips on top asked Stripe for more than that charge held, and Stripe
refused the whole payout. A tip's net is never more than its own charge, so it always fits.

Stars cannot be transferred by the bot, so Stars earnings stay on the seller's payable account
until an operator settles them by hand (`/payouts`) and marks it, which writes the payout.

A card balance can be settled by hand too (a seller who never onboarded Connect). Then each
order it covers gets its payout under the sweep's own key, so the sweep sees the order as paid
and never transfers it again: a seller is paid once, whichever way comes first.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.domain.ledger import (
    EXTERNAL_STARS,
    LedgerTransaction,
    payable_seller,
    payout,
    seller_payable,
    stripe_ref,
)
from bot.domain.money import STARS, Money
from bot.domain.user import UserProfile
from bot.errors import Conflict, NotAllowed, NotFound
from bot.i18n.markers import N_
from bot.payments.gateway import (
    PaymentDeclined,
    PaymentGateway,
    PaymentUnavailable,
    TransferResult,
)
from bot.services.orders.steps import alert_operators
from bot.services.orders.tip_ports import TipRecord, tip_payout_key
from bot.services.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

SWEEP_BATCH = 100
#: Why a settlement is refused: what is owed is no longer what the operator confirmed.
BALANCE_CHANGED = N_("This balance changed; please open /payouts again.")
SELLER_PREFIX = "seller:"
TIP_PAYOUT = "tip_payout"
#: Where a card payout settled by hand goes (the sweep's own go to external:stripe).
EXTERNAL_MANUAL = "external:manual"


def payout_key(order_id: int) -> str:
    return f"order:{order_id}:payout"


#: What an order's own payout carries: the release (or split) of its escrow; tips are apart.
ORDER_EARNINGS = frozenset({"release", "split"})


def order_net(transactions: Sequence[LedgerTransaction], seller_id: int, currency: str) -> int:
    """What an order's release or split put on its seller's payable (tips are paid apart).

    The one definition of what paying an order out moves, shared by the sweep and a manual
    settlement so that both record the same amount under the same key.
    """
    account = seller_payable(seller_id)
    return sum(t.amount_for(account, currency) for t in transactions if t.kind in ORDER_EARNINGS)


def tip_net(transactions: Sequence[LedgerTransaction], tip: TipRecord) -> int:
    """What a tip put on its seller's payable (its ledger transaction, found by key)."""
    account = seller_payable(tip.seller_id)
    return sum(t.amount_for(account, tip.currency) for t in transactions if t.key == tip.ledger_key)


def tip_payout(
    tip: TipRecord, net: Money, destination: str | None = None, provider_ref: str | None = None
) -> LedgerTransaction:
    """The payout of one tip, attached to its order but of its own kind, so the order's own
    payout (`awaiting_payout` looks for kind `payout`) is never mistaken for it."""
    return dataclasses.replace(
        payout(
            tip.seller_id, net, tip_payout_key(tip.id), destination, provider_ref=provider_ref
        ),
        kind=TIP_PAYOUT,
        order_id=tip.order_id,
    )


def order_payout(
    order_id: int,
    seller_id: int,
    net: Money,
    destination: str | None = None,
    provider_ref: str | None = None,
) -> LedgerTransaction:
    """The payout of one order, attached to it: what `awaiting_payout` looks for."""
    transaction = payout(
        seller_id, net, payout_key(order_id), destination, provider_ref=provider_ref
    )
    return dataclasses.replace(transaction, order_id=order_id)


@dataclass(frozen=True)
class Owed:
    """What the marketplace owes one seller in one currency."""

    seller_id: int
    amount: Money
    #: Who the seller is, so the operator sees a name rather than an id (None if unknown).
    seller: UserProfile | None = None


@dataclass(frozen=True)
class PayoutConfig:
    """What payouts need of the settings (filled by `bot.bootstrap.config_of`)."""

    #: operators: they get the alerts and may act as one
    admin_ids: tuple[int, ...]
    #: completed orders are paid out after this
    clearance_period: timedelta


class PayoutService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        config: PayoutConfig,
        gateway: PaymentGateway | None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config
        self._gateway = gateway

    async def pay_due(self) -> int:
        """Sweep: transfer cleared card earnings to onboarded sellers; returns how many."""
        if self._gateway is None:
            return 0
        cleared_before = self._clock.now() - self._config.clearance_period
        async with self._uow(read_only=True) as uow:
            due = await uow.orders.awaiting_payout(cleared_before, SWEEP_BATCH)
            tips_due = await uow.tips.awaiting_payout(cleared_before, SWEEP_BATCH)
        paid = 0
        for order_id in due:
            paid += await self._pay_order(self._gateway, order_id)
        for tip_id in tips_due:
            paid += await self._pay_tip(self._gateway, tip_id)
        return paid

    async def _pay_tip(self, gateway: PaymentGateway, tip_id: int) -> bool:
        """Transfer one tip's net from the tip's own charge, then record it (as `_pay_order`)."""
        async with self._uow(read_only=True) as uow:
            tip = await uow.tips.get(tip_id)
            seller = await uow.users.get(tip.seller_id) if tip else None
            transactions = await uow.ledger.order_transactions(tip.order_id) if tip else ()
            held = (
                await uow.ledger.balance(seller_payable(tip.seller_id), tip.currency) if tip else 0
            )
        if tip is None or seller is None or not tip.provider_charge_id:
            return False
        key = tip_payout_key(tip_id)
        if any(t.key == key for t in transactions):
            return False  # paid meanwhile (by hand, or by another sweep)
        if not seller.payouts_enabled or not seller.stripe_account_id:
            return False
        net = tip_net(transactions, tip)
        if net <= 0:
            return False
        amount = Money(net, tip.currency)
        if net > tip.amount_minor:
            # Cannot happen with the tip's own commission; if it ever does, the charge could not
            # cover the transfer, so a human looks rather than Stripe refusing it.
            await self._tip_failure(tip, f"net {amount.format()} exceeds the tip's charge")
            return False
        if net > held:
            await self._alert_uncovered(tip.order_id, amount)
            return False
        result = await _transfer(
            gateway, amount, seller.stripe_account_id, tip.order_id, tip.provider_charge_id, key,
            what=f"tip {tip_id}", refused=lambda error: self._tip_failure(tip, error),
        )  # fmt: skip
        if result is None:
            return False
        now = self._clock.now()
        async with self._uow() as uow:
            transaction = tip_payout(tip, amount, provider_ref=stripe_ref(result.transfer_id))
            recorded = await uow.ledger.record(transaction, now)
            if not recorded and await self._tip_settled_by_hand(uow, tip):
                log.error("tip %s settled by hand while transfer %s paid it", tip_id, result)
                await alert_operators(
                    uow,
                    self._config.admin_ids,
                    now,
                    N_(
                        "A tip on order #{order_id} was paid twice: settled by hand and sent by "
                        "Stripe transfer {transfer_id} ({amount}). Please reverse the transfer."
                    ),
                    f"tip-payout-twice:{tip_id}",
                    order_id=tip.order_id,
                    amount=amount.format(),
                    transfer_id=result.transfer_id,
                )
        if recorded:
            log.info("tip %s of order %s paid out by %s", tip_id, tip.order_id, result.transfer_id)
        return recorded

    @staticmethod
    async def _tip_settled_by_hand(uow: UnitOfWork, tip: TipRecord) -> bool:
        key = tip_payout_key(tip.id)
        return any(
            entry.account == EXTERNAL_MANUAL
            for transaction in await uow.ledger.order_transactions(tip.order_id)
            if transaction.key == key
            for entry in transaction.entries
        )

    async def _tip_failure(self, tip: TipRecord, error: str) -> None:
        """The provider refused a tip's transfer for good: stop retrying, tell the operators."""
        log.error("payout of tip %s refused: %s", tip.id, error)
        async with self._uow() as uow:
            await uow.tips.set_payout_error(tip.id, error)
            await alert_operators(
                uow,
                self._config.admin_ids,
                self._clock.now(),
                N_("Payout of a tip on order #{order_id} was refused by the provider: {error}"),
                f"tip-payout:{tip.id}",
                order_id=tip.order_id,
                error=error,
            )

    async def _pay_order(self, gateway: PaymentGateway, order_id: int) -> bool:
        """Transfer one order's net, then record it; never transfer what is already paid.

        Why the checks before the transfer: the sweep's list was read earlier, and an operator
        may have settled the order by hand since (its payout is then recorded), or settled the
        balance before settlements were recorded per order (the payable no longer holds the
        net). Either way a transfer would pay the seller twice and take the payable below zero,
        so the order is left alone, and in the second case the operators are told once.
        """
        async with self._uow(read_only=True) as uow:
            order = await uow.orders.get(order_id)
            seller = await uow.users.get(order.seller_id) if order else None
            transactions = await uow.ledger.order_transactions(order_id)
            held = (
                await uow.ledger.balance(seller_payable(order.seller_id), order.currency)
                if order
                else 0
            )
        if order is None or seller is None or not order.provider_charge_id:
            return False
        if any(t.kind == "payout" for t in transactions):
            return False  # paid meanwhile (by hand, or by another sweep)
        if not seller.payouts_enabled or not seller.stripe_account_id:
            return False  # picked up again once onboarding is finished
        net = order_net(transactions, order.seller_id, order.currency)
        if net <= 0:
            return False
        amount = Money(net, order.currency)
        if net > held:
            await self._alert_uncovered(order_id, amount)
            return False
        key = payout_key(order_id)
        result = await _transfer(
            gateway, amount, seller.stripe_account_id, order_id, order.provider_charge_id, key,
            what=f"order {order_id}", refused=lambda error: self._record_failure(order_id, error),
        )  # fmt: skip
        if result is None:
            return False
        now = self._clock.now()
        async with self._uow() as uow:
            ref = stripe_ref(result.transfer_id)
            transaction = order_payout(order_id, order.seller_id, amount, provider_ref=ref)
            recorded = await uow.ledger.record(transaction, now)
            if not recorded and await self._settled_by_hand(uow, order_id):
                # The operator's settlement won the key: the money went out twice, and only a
                # human can take the transfer back.
                log.error(
                    "order %s settled by hand while transfer %s paid it",
                    order_id,
                    result.transfer_id,
                )
                await alert_operators(
                    uow,
                    self._config.admin_ids,
                    now,
                    N_(
                        "Order #{order_id} was paid twice: settled by hand and sent by Stripe "
                        "transfer {transfer_id} ({amount}). Please reverse the transfer."
                    ),
                    f"payout-twice:{order_id}",
                    order_id=order_id,
                    amount=amount.format(),
                    transfer_id=result.transfer_id,
                )
        if recorded:
            log.info("order %s paid out by transfer %s", order_id, result.transfer_id)
        return recorded

    @staticmethod
    async def _settled_by_hand(uow: UnitOfWork, order_id: int) -> bool:
        """Whether the order's recorded payout is a manual settlement, not a transfer.

        Another sweep (a second replica) recording the same order is harmless: it sent the same
        idempotency key, so Stripe made one transfer. Only a settlement by hand means two.
        """
        return any(
            entry.account == EXTERNAL_MANUAL
            for transaction in await uow.ledger.order_transactions(order_id)
            if transaction.kind == "payout"
            for entry in transaction.entries
        )

    async def _alert_uncovered(self, order_id: int, amount: Money) -> None:
        log.warning("payout of order %s skipped: %s exceeds the seller's balance", order_id, amount)
        async with self._uow() as uow:
            await alert_operators(
                uow,
                self._config.admin_ids,
                self._clock.now(),
                N_(
                    "Order #{order_id} was not paid out: its {amount} is more than the seller's "
                    "balance (settled by hand already?). Please check."
                ),
                f"payout-uncovered:{order_id}",
                order_id=order_id,
                amount=amount.format(),
            )

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
                self._config.admin_ids,
                now,
                N_("Payout of order #{order_id} was refused by the provider: {error}"),
                f"payout:{order_id}",
                order_id=order_id,
                error=error,
            )

    def _check_operator(self, user_id: int) -> None:
        if user_id not in self._config.admin_ids:
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

        Why per order: a card balance settled by hand would otherwise still be transferred by
        the sweep, order by order, once the seller onboards Connect: paid twice. So each
        released, unpaid card order and each unpaid card tip the balance holds gets its own payout
        under the sweep's key (`awaiting_payout` then skips it; of a racing sweep and this
        settlement, whichever records the key second gets nothing: a `Conflict` here, an operator
        alert there). Only what none of them explains (Stars, a tip booked before tips had
        payouts of their own) is one `settle:` payout.
        The orders and their nets are read before the balance: under READ COMMITTED whatever
        they include has then committed before the balance was read, so the balance covers it.

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
            nets: list[tuple[LedgerTransaction, int]] = []
            if amount.currency != STARS:
                for order_id in await uow.orders.unpaid_released_for_seller(
                    seller_id, amount.currency
                ):
                    transactions = await uow.ledger.order_transactions(order_id)
                    net = order_net(transactions, seller_id, amount.currency)
                    if net > 0:
                        settled = order_payout(
                            order_id, seller_id, Money(net, amount.currency), EXTERNAL_MANUAL
                        )
                        nets.append((settled, net))
                for tip in await uow.tips.unpaid_for_seller(seller_id, amount.currency):
                    net = tip_net(await uow.ledger.order_transactions(tip.order_id), tip)
                    if net > 0:
                        settled = tip_payout(tip, Money(net, amount.currency), EXTERNAL_MANUAL)
                        nets.append((settled, net))
            held = await uow.ledger.balance(account, amount.currency)
            if held != amount.amount_minor or held <= 0:
                raise Conflict(BALANCE_CHANGED)
            rest = held
            for settled, net in nets:
                if net > rest:
                    # Only after an earlier settlement recorded as a lump sum: the balance no
                    # longer holds this order's (or tip's) net, so it is not what is paid now.
                    log.warning("settlement of seller %s leaves %s", seller_id, settled.key)
                    continue
                if not await uow.ledger.record(settled, now):
                    # The sweep recorded its transfer of this order meanwhile: what is owed is
                    # no longer what the operator confirmed (the whole settlement rolls back).
                    raise Conflict(BALANCE_CHANGED)
                rest -= net
            if rest == 0:
                return amount
            number = 1
            while await uow.ledger.has(f"settle:{seller_id}:{amount.currency}:{number}"):
                number += 1
            destination = EXTERNAL_STARS if amount.currency == STARS else EXTERNAL_MANUAL
            key = f"settle:{seller_id}:{amount.currency}:{number}"
            remainder = Money(rest, amount.currency)
            if not await uow.ledger.record(payout(seller_id, remainder, key, destination), now):
                # Cannot happen under the lock; if it ever does, say so rather than claim a
                # settlement that another transaction made.
                raise Conflict(BALANCE_CHANGED)
        return amount


async def _transfer(
    gateway: PaymentGateway,
    amount: Money,
    account_id: str,
    order_id: int,
    source_charge: str | None,
    key: str,
    *,
    what: str,
    refused: Callable[[str], Awaitable[None]],
) -> TransferResult | None:
    """One Connect transfer from `source_charge`, grouped under its order; None when it did not
    happen: an outage is tried again by the next sweep, a refusal is recorded by `refused`."""
    try:
        return await gateway.transfer(
            amount.amount_minor,
            amount.currency,
            account_id,
            transfer_group=f"order_{order_id}",
            source_transaction=source_charge,
            idempotency_key=key,
        )
    except PaymentUnavailable as exc:
        log.warning("payout of %s postponed: %s", what, exc)
        return None
    except PaymentDeclined as exc:
        await refused(str(exc))
        return None
