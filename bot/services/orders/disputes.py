"""Disputes: either side opens one, the order freezes, an operator decides.

Opening a dispute moves the order to `disputed` (no auto-complete, no mutual cancellation) and
sends every operator the case: the reason, the evidence, and the order's whole history from
its events. Only operators (ADMIN_IDS) resolve, and each outcome is one balanced ledger
transaction plus a message to both sides:

- release: escrow to the seller's payable and the platform (as an approval would);
- refund: the order is cancelled and `RefundService` refunds the buyer in full;
- split: the buyer's share is refunded at the provider first (idempotent on the ledger key),
  then the status change and the split transaction are written together. The subtotal is
  divided; the buyer's fees are refunded in the same proportion and never reach the seller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.domain.ledger import split, stripe_ref
from bot.domain.order import Actor, OrderEvent, OrderStatus
from bot.domain.pricing import MAX_BPS, split_amounts
from bot.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from bot.i18n.markers import N_
from bot.services.money.refunds import RefundService
from bot.services.orders.access import (
    check_parts,
    held_escrow,
    history_lines,
    load_for,
    other_party,
    release_escrow,
)
from bot.services.orders.delivery import check_reason
from bot.services.orders.steps import alert_operators, move, notify
from bot.services.ports import OrderRecord, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class DisputeConfig:
    """What disputes need of the settings (filled by `bot.bootstrap.config_of`)."""

    #: operators: they get the alerts and may act as one
    admin_ids: tuple[int, ...]


class DisputeService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, config: DisputeConfig, refunds: RefundService
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config
        self._refunds = refunds

    def _check_operator(self, user_id: int) -> None:
        if user_id not in self._config.admin_ids:
            raise NotAllowed(N_("Only the marketplace's operators can resolve a dispute."))

    async def open_dispute(
        self,
        order_id: int,
        user_id: int,
        reason: str,
        evidence: Sequence[Mapping[str, Any]] = (),
    ) -> OrderRecord:
        now = self._clock.now()
        text = check_reason(reason)
        parts = check_parts(evidence) if evidence else []
        async with self._uow() as uow:
            order, actor = await load_for(uow, order_id, user_id)
            await move(
                uow, order, OrderEvent.open_dispute, actor, now, actor_user_id=user_id,
                data={"reason": text, "parts": parts}, auto_complete_at=None,
                cancel_requested_by=None, cancel_requested_at=None, extension_days=None,
            )  # fmt: skip
            await uow.outbox.add(
                notify(
                    other_party(order, user_id), "order.dispute_opened", order,
                    by=actor.value, reason=text,
                ),
                now,
            )  # fmt: skip
            history = history_lines(await uow.order_events.for_order(order.id))
            for admin_id in self._config.admin_ids:
                for index, part in enumerate(parts):
                    await uow.outbox.add(
                        notify(
                            admin_id, "order.part", order, label="evidence", part=part,
                            dedupe=f"order:{order.id}:evidence:{index}:{admin_id}",
                        ),
                        now,
                    )  # fmt: skip
                await uow.outbox.add(
                    notify(
                        admin_id, "dispute.case", order, by=actor.value, reason=text,
                        history=history, buyer_id=order.buyer_id, seller_id=order.seller_id,
                    ),
                    now,
                )  # fmt: skip
        return order

    async def case(self, order_id: int, operator_id: int) -> tuple[OrderRecord, list[Any]]:
        """The order and its history, for an operator."""
        self._check_operator(operator_id)
        async with self._uow(read_only=True) as uow:
            order = await uow.orders.get(order_id)
            if order is None:
                raise NotFound(N_("This order does not exist."))
            return order, history_lines(await uow.order_events.for_order(order_id))

    async def release(self, order_id: int, operator_id: int) -> OrderRecord:
        self._check_operator(operator_id)
        now = self._clock.now()
        async with self._uow() as uow:
            order = await self._disputed(uow, order_id)
            await move(
                uow, order, OrderEvent.resolve_release, Actor.operator, now,
                actor_user_id=operator_id, closed_at=now,
            )  # fmt: skip
            net = await release_escrow(uow, order, now)
            await self._tell_both(uow, order, "release", net_minor=net.amount_minor)
        return order

    async def refund(self, order_id: int, operator_id: int) -> OrderRecord:
        self._check_operator(operator_id)
        now = self._clock.now()
        async with self._uow() as uow:
            order = await self._disputed(uow, order_id)
            await move(
                uow, order, OrderEvent.resolve_refund, Actor.operator, now,
                actor_user_id=operator_id, closed_at=now,
            )  # fmt: skip
            await self._tell_both(uow, order, "refund")
        await self._refunds.refund_order(order_id)
        return order

    async def split(self, order_id: int, operator_id: int, buyer_percent: int) -> OrderRecord:
        """The buyer gets `buyer_percent` % of the order back: that share of the subtotal and
        the same share of the fees they paid; the seller the rest of the subtotal less the
        order's commission (`bot.domain.pricing.split_amounts`, at the order's frozen rates).

        The provider refund comes first and outside any transaction (a Stripe call must not hold
        the order's lock, which on SQLite is the one write lock), so another operator may
        release or refund the dispute meanwhile. The split then cannot be written, yet the
        buyer's share has left at Stripe and the ledger will never show it: the operators are
        alerted with the order, the amount and the refund's idempotency key to reconcile by
        hand. Claiming the split under the lock before the call would need a state of its own
        (or a column) that release and refund could check; the state machine has none and no
        existing order field means "split in flight", so the race is reported, not prevented.
        """
        self._check_operator(operator_id)
        if not 0 <= buyer_percent <= 100:
            raise ValidationFailed(N_("Please type a percentage from 0 to 100."))
        bps = buyer_percent * MAX_BPS // 100
        async with self._uow(read_only=True) as uow:
            order = await self._disputed(uow, order_id, lock=False)
            escrow = await held_escrow(uow, order)
        parts = split_amounts(escrow, bps, order.rates)
        key = f"order:{order_id}:split"
        refunded = await self._refunds.refund_part(order, parts.buyer_refund.amount_minor, key)
        now = self._clock.now()
        async with self._uow() as uow:
            current = await uow.orders.get_for_update(order_id)
            if current is None or current.status != OrderStatus.disputed:
                # Commit the alert, then refuse: raising here would roll the alert back.
                if parts.buyer_refund.amount_minor > 0 and not await uow.ledger.has(key):
                    await alert_operators(
                        uow, self._config.admin_ids, now,
                        N_(
                            "Order #{order_id}: {amount} was refunded to the buyer at Stripe "
                            "for a split (key {key}), but the dispute had been resolved "
                            "otherwise meanwhile, so the ledger does not show this refund. "
                            "Please reconcile."
                        ),
                        f"split:{order_id}",
                        order_id=order_id, amount=parts.buyer_refund.format(), key=key,
                    )  # fmt: skip
                resolved = False
            else:
                order = current
                await move(
                    uow, order, OrderEvent.resolve_split, Actor.operator, now,
                    actor_user_id=operator_id, data={"buyer_percent": buyer_percent},
                    closed_at=now,
                )  # fmt: skip
                ref = stripe_ref(refunded.refund_id) if refunded else None
                await uow.ledger.record(
                    split(order_id, escrow.held, order.seller_id, parts, provider_ref=ref), now
                )
                await self._tell_both(
                    uow, order, "split", percent=buyer_percent,
                    refunded_minor=parts.buyer_refund.amount_minor,
                    net_minor=parts.seller_net.amount_minor,
                )  # fmt: skip
                resolved = True
        if not resolved:
            raise Conflict(N_("This dispute was already resolved."))
        return order

    async def _disputed(self, uow: UnitOfWork, order_id: int, lock: bool = True) -> OrderRecord:
        order = await (uow.orders.get_for_update(order_id) if lock else uow.orders.get(order_id))
        if order is None:
            raise NotFound(N_("This order does not exist."))
        if order.status != OrderStatus.disputed:
            raise Conflict(N_("This dispute was already resolved."))
        return order

    async def _tell_both(
        self, uow: UnitOfWork, order: OrderRecord, outcome: str, **extra: Any
    ) -> None:
        now = self._clock.now()
        for chat_id, role in ((order.buyer_id, "buyer"), (order.seller_id, "seller")):
            await uow.outbox.add(
                notify(
                    chat_id, "order.dispute_resolved", order, outcome=outcome, role=role, **extra
                ),
                now,
            )
