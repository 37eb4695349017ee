"""Delivery, revisions and completion: the seller delivers, the buyer approves or asks again.

Each use case is one unit of work: the status change (through the state machine, version
checked), the ledger release when the order completes, and the notifications (outbox) commit
together or not at all. Auto-completion is a sweep over `auto_complete_at` in the database, so
a restart, a second replica or a deadline missed while the bot was down changes nothing: the
next sweep completes what is due, and an approval racing the sweep gives one outcome (the
version check refuses the second).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.domain.order import Actor, OrderEvent, OrderStatus, transition
from bot.errors import Conflict, NotAllowed, NotFound, TransitionRefused, ValidationFailed
from bot.i18n.markers import N_
from bot.services.orders.access import check_parts, load_for, note, party_actor, release_escrow
from bot.services.orders.steps import facts_of, move, notify
from bot.services.ports import OrderRecord, UnitOfWork, UnitOfWorkFactory

SWEEP_BATCH = 100
AUTO_COMPLETE_REMINDER = timedelta(hours=24)
REASON_MIN, REASON_MAX = 5, 1000


def check_reason(reason: str) -> str:
    """A revision or dispute reason: the other side must know what is wrong."""
    text = reason.strip()
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise ValidationFailed(
            N_("Please say in {min} to {max} characters what should change."),
            field="reason",
            min=REASON_MIN,
            max=REASON_MAX,
        )
    return text


@dataclass(frozen=True)
class DeliveryConfig:
    """What delivery and completion need of the settings (filled by `bot.bootstrap.config_of`)."""

    #: a delivery the buyer leaves unanswered completes after this
    auto_complete_after: timedelta
    #: money of a completed order clears for payout after this
    clearance_period: timedelta


class DeliveryService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, config: DeliveryConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config

    async def start_work(self, order_id: int, seller_id: int) -> OrderRecord:
        """The seller opens the delivery: from now the buyer can no longer cancel unilaterally."""
        now = self._clock.now()
        async with self._uow() as uow:
            order, actor = await load_for(uow, order_id, seller_id)
            if actor is not Actor.seller:
                raise NotAllowed(N_("Only the seller delivers this order."))
            if order.status != OrderStatus.in_progress:
                raise TransitionRefused(
                    N_("This action is not possible while the order is {status}."),
                    status=order.status,
                )
            if not order.seller_started:
                await note(
                    uow, order, "start", actor, now, actor_user_id=seller_id, seller_started=True
                )
        return order

    async def deliver(
        self, order_id: int, seller_id: int, parts: Sequence[Mapping[str, Any]]
    ) -> OrderRecord:
        """The collected messages become one delivery; the buyer gets them and three buttons."""
        now = self._clock.now()
        checked = check_parts(parts)
        async with self._uow() as uow:
            order, actor = await load_for(uow, order_id, seller_id)
            if actor is not Actor.seller:
                raise NotAllowed(N_("Only the seller delivers this order."))
            number = order.revisions_used + 1
            auto_at = now + self._config.auto_complete_after
            await move(
                uow,
                order,
                OrderEvent.deliver,
                actor,
                now,
                actor_user_id=seller_id,
                data={"number": number, "parts": checked},
                delivered_at=now,
                auto_complete_at=auto_at,
                seller_started=True,
                extension_days=None,
            )
            for index, part in enumerate(checked):
                await uow.outbox.add(
                    notify(
                        order.buyer_id,
                        "order.part",
                        order,
                        dedupe=f"order:{order.id}:delivery:{number}:{index}",
                        part=part,
                        label="delivery",
                    ),
                    now,
                )
            await uow.outbox.add(
                notify(
                    order.buyer_id,
                    "order.delivered",
                    order,
                    dedupe=f"order:{order.id}:delivered:{number}",
                    number=number,
                    parts=len(checked),
                    auto_complete_at=auto_at.isoformat(),
                    revisions_left=_revisions_left(order),
                ),
                now,
            )
        return order

    async def check_revision(self, order_id: int, buyer_id: int) -> None:
        """Refuse early (before the buyer types a reason) when no revision is possible."""
        now = self._clock.now()
        async with self._uow(read_only=True) as uow:
            order = await uow.orders.get(order_id)
            if order is None:
                raise NotFound(N_("This order does not exist."))
            actor = party_actor(order, buyer_id)
        transition(
            OrderStatus(order.status), OrderEvent.request_revision, actor, facts_of(order, now)
        )

    async def request_revision(self, order_id: int, buyer_id: int, reason: str) -> OrderRecord:
        """Back to the seller, with the reason and a deadline extended by the delivery time."""
        now = self._clock.now()
        text = check_reason(reason)
        async with self._uow() as uow:
            order, actor = await load_for(uow, order_id, buyer_id)
            base = max(order.due_at or now, now)
            due_at = base + timedelta(days=order.delivery_days)
            await move(
                uow,
                order,
                OrderEvent.request_revision,
                actor,
                now,
                actor_user_id=buyer_id,
                data={"reason": text},
                revisions_used=order.revisions_used + 1,
                due_at=due_at,
                auto_complete_at=None,
            )
            await uow.outbox.add(
                notify(
                    order.seller_id,
                    "order.revision",
                    order,
                    dedupe=f"order:{order.id}:revision:{order.revisions_used + 1}",
                    reason=text,
                    due_at=due_at.isoformat(),
                ),
                now,
            )
        return order

    async def approve(self, order_id: int, buyer_id: int) -> OrderRecord:
        now = self._clock.now()
        async with self._uow() as uow:
            order, actor = await load_for(uow, order_id, buyer_id)
            await self._complete(uow, order, OrderEvent.approve, actor, now, buyer_id)
        return order

    async def _complete(
        self,
        uow: UnitOfWork,
        order: OrderRecord,
        event: OrderEvent,
        actor: Actor,
        now: datetime,
        actor_user_id: int | None,
    ) -> None:
        await move(
            uow,
            order,
            event,
            actor,
            now,
            actor_user_id=actor_user_id,
            closed_at=now,
            auto_complete_at=None,
            cancel_requested_by=None,
            cancel_requested_at=None,
        )
        net = await release_escrow(uow, order, now)
        automatic = event is OrderEvent.auto_complete
        await uow.outbox.add(
            notify(
                order.seller_id,
                "order.completed_seller",
                order,
                net_minor=net.amount_minor,
                automatic=automatic,
                clears_at=(now + self._config.clearance_period).isoformat(),
            ),
            now,
        )
        await uow.outbox.add(
            notify(order.buyer_id, "order.completed_buyer", order, automatic=automatic), now
        )

    async def auto_complete_due(self) -> int:
        """Sweep: complete delivered orders the buyer left alone for AUTO_COMPLETE_AFTER."""
        now = self._clock.now()
        async with self._uow(read_only=True) as uow:
            due = await uow.orders.due(
                (OrderStatus.delivered,), "auto_complete_at", now, SWEEP_BATCH
            )
        done = 0
        for order_id in due:
            try:
                async with self._uow() as uow:
                    order = await uow.orders.get_for_update(order_id)
                    if order is None:
                        continue
                    await self._complete(
                        uow, order, OrderEvent.auto_complete, Actor.system, now, None
                    )
                done += 1
            except (TransitionRefused, Conflict):
                continue  # approved, disputed or changed meanwhile: nothing to do
        return done

    async def remind_auto_complete(self) -> int:
        """Sweep: tell the buyer 24 hours before a delivery completes by itself (once)."""
        now = self._clock.now()
        sent = 0
        async with self._uow() as uow:
            due = await uow.orders.due(
                (OrderStatus.delivered,),
                "auto_complete_at",
                now + AUTO_COMPLETE_REMINDER,
                SWEEP_BATCH,
                after=now,
            )
            for order_id in due:
                order = await uow.orders.get(order_id)
                if order is None or order.auto_complete_at is None:
                    continue
                stamp = order.auto_complete_at.isoformat()
                sent += await uow.outbox.add(
                    notify(
                        order.buyer_id,
                        "order.auto_complete_soon",
                        order,
                        dedupe=f"order:{order.id}:acsoon:{stamp}",
                        auto_complete_at=stamp,
                    ),
                    now,
                )
        return sent


def _revisions_left(order: OrderRecord) -> int | None:
    if order.revisions_allowed is None:
        return None
    return max(0, order.revisions_allowed - order.revisions_used)
