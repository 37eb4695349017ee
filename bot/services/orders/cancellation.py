"""Cancelling a paid order, and the deadlines around delivery.

- the buyer cancels before the seller started, or once the order is late: a full refund;
- either side asks for a mutual cancellation; the other accepts (or declines), and a request
  left unanswered for MUTUAL_CANCEL_TIMEOUT is accepted by the sweep;
- the seller asks for more days; the buyer accepts (the due date moves) or declines;
- sweeps remind the seller before the due time and tell the buyer once an order is late.

Every cancellation changes the status first (one unit of work, with its notifications) and
then asks `RefundService` for the money back: the ledger's refund is written only after the
provider accepted it, and a refund that fails is retried by the refund sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.domain.order import Actor, OrderEvent, OrderStatus
from bot.errors import Conflict, NotAllowed, TransitionRefused, ValidationFailed
from bot.i18n.markers import N_
from bot.services.money.refunds import RefundService
from bot.services.orders.access import load_for, note, other_party
from bot.services.orders.steps import move, notify
from bot.services.ports import OrderRecord, UnitOfWorkFactory

SWEEP_BATCH = 100
SELLER_REMINDER = timedelta(hours=24)
#: Late notices look this far back, so long-late orders do not crowd out newly late ones.
LATE_WINDOW = timedelta(days=7)
EXTENSION_DAYS = (1, 2, 3, 7)
CANCELLABLE = (OrderStatus.in_progress, OrderStatus.delivered)


@dataclass(frozen=True)
class CancellationConfig:
    """What cancellation needs of the settings (filled by `bot.bootstrap.config_of`)."""

    #: how long a cancellation request waits for the other side
    mutual_cancel_timeout: timedelta


class CancellationService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        config: CancellationConfig,
        refunds: RefundService,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config
        self._refunds = refunds

    async def buyer_cancel(self, order_id: int, buyer_id: int, late: bool) -> OrderRecord:
        """Before the seller started (`late=False`) or after the due time: full refund."""
        now = self._clock.now()
        event = OrderEvent.cancel_late if late else OrderEvent.cancel_before_start
        async with self._uow() as uow:
            order, actor = await load_for(uow, order_id, buyer_id)
            await move(
                uow, order, event, actor, now, actor_user_id=buyer_id, closed_at=now,
                cancel_requested_by=None, cancel_requested_at=None, extension_days=None,
            )  # fmt: skip
            for chat_id in (order.buyer_id, order.seller_id):
                await uow.outbox.add(
                    notify(chat_id, "order.cancelled", order, reason=event.value), now
                )
        await self._refunds.refund_order(order_id)
        return order

    async def request_mutual_cancel(self, order_id: int, user_id: int) -> OrderRecord:
        now = self._clock.now()
        async with self._uow() as uow:
            order, actor = await load_for(uow, order_id, user_id)
            if order.status not in CANCELLABLE:
                raise TransitionRefused(
                    N_("This action is not possible while the order is {status}."),
                    status=order.status,
                )
            if order.cancel_requested_by is not None:
                raise Conflict(N_("A cancellation is already waiting for an answer."))
            await note(
                uow, order, "cancel_request", actor, now, actor_user_id=user_id,
                cancel_requested_by=user_id, cancel_requested_at=now,
            )  # fmt: skip
            deadline = now + self._config.mutual_cancel_timeout
            await uow.outbox.add(
                notify(
                    other_party(order, user_id),
                    "order.cancel_requested",
                    order,
                    dedupe=f"order:{order.id}:cancelreq:{now.isoformat()}",
                    by=actor.value,
                    auto_at=deadline.isoformat(),
                ),
                now,
            )
        return order

    async def answer_mutual_cancel(self, order_id: int, user_id: int, accept: bool) -> OrderRecord:
        now = self._clock.now()
        async with self._uow() as uow:
            order, actor = await load_for(uow, order_id, user_id)
            requester = order.cancel_requested_by
            if requester is None:
                raise Conflict(N_("There is no cancellation request to answer."))
            if requester == user_id:
                raise NotAllowed(N_("The other side has to answer your cancellation request."))
            if accept:
                await move(
                    uow, order, OrderEvent.mutual_cancel, Actor.system, now,
                    actor_user_id=user_id, data={"accepted_by": actor.value},
                    closed_at=now, cancel_requested_by=None, cancel_requested_at=None,
                    auto_complete_at=None,
                )  # fmt: skip
                for chat_id in (order.buyer_id, order.seller_id):
                    await uow.outbox.add(
                        notify(chat_id, "order.cancelled", order, reason="mutual_cancel"), now
                    )
            else:
                await note(
                    uow, order, "cancel_declined", actor, now, actor_user_id=user_id,
                    cancel_requested_by=None, cancel_requested_at=None,
                )  # fmt: skip
                await uow.outbox.add(
                    notify(
                        requester,
                        "order.cancel_declined",
                        order,
                        dedupe=f"order:{order.id}:canceldecl:{now.isoformat()}",
                    ),
                    now,
                )
        if accept:
            await self._refunds.refund_order(order_id)
        return order

    async def mutual_cancel_due(self) -> int:
        """Sweep: a cancellation request nobody answered within the timeout is accepted."""
        now = self._clock.now()
        limit = now - self._config.mutual_cancel_timeout
        async with self._uow(read_only=True) as uow:
            due = await uow.orders.due(
                [s.value for s in OrderStatus], "cancel_requested_at", limit, SWEEP_BATCH
            )
        done: list[int] = []
        for order_id in due:
            try:
                async with self._uow() as uow:
                    order = await uow.orders.get_for_update(order_id)
                    if order is None or order.cancel_requested_at is None:
                        continue
                    if order.status not in CANCELLABLE:  # disputed or closed meanwhile
                        await note(
                            uow, order, "cancel_request_lapsed", Actor.system, now,
                            cancel_requested_by=None, cancel_requested_at=None,
                        )  # fmt: skip
                        continue
                    await move(
                        uow, order, OrderEvent.mutual_cancel, Actor.system, now,
                        data={"accepted_by": "timeout"}, closed_at=now,
                        cancel_requested_by=None, cancel_requested_at=None,
                        auto_complete_at=None,
                    )  # fmt: skip
                    for chat_id in (order.buyer_id, order.seller_id):
                        await uow.outbox.add(
                            notify(chat_id, "order.cancelled", order, reason="mutual_timeout"),
                            now,
                        )
                done.append(order_id)
            except (TransitionRefused, Conflict):
                continue
        for order_id in done:
            await self._refunds.refund_order(order_id)
        return len(done)

    async def request_extension(self, order_id: int, seller_id: int, days: int) -> OrderRecord:
        now = self._clock.now()
        if days not in EXTENSION_DAYS:
            raise ValidationFailed(N_("Please choose one of the offered numbers of days."))
        async with self._uow() as uow:
            order, actor = await load_for(uow, order_id, seller_id)
            if actor is not Actor.seller:
                raise NotAllowed(N_("Only the seller can ask for more time."))
            if order.status != OrderStatus.in_progress:
                raise TransitionRefused(
                    N_("This action is not possible while the order is {status}."),
                    status=order.status,
                )
            await note(
                uow, order, "extension_request", actor, now, actor_user_id=seller_id,
                data={"days": days}, extension_days=days, seller_started=True,
            )  # fmt: skip
            await uow.outbox.add(
                notify(
                    order.buyer_id,
                    "order.extension_requested",
                    order,
                    dedupe=f"order:{order.id}:extreq:{now.isoformat()}",
                    days=days,
                    due_at=order.due_at.isoformat() if order.due_at else None,
                ),
                now,
            )
        return order

    async def answer_extension(self, order_id: int, buyer_id: int, accept: bool) -> OrderRecord:
        now = self._clock.now()
        async with self._uow() as uow:
            order, actor = await load_for(uow, order_id, buyer_id)
            if actor is not Actor.buyer:
                raise NotAllowed(N_("Only the buyer can answer a request for more time."))
            days = order.extension_days
            if days is None or order.status != OrderStatus.in_progress:
                raise Conflict(N_("There is no request for more time to answer."))
            fields: dict[str, object] = {"extension_days": None}
            due_at = order.due_at
            if accept:
                due_at = max(order.due_at or now, now) + timedelta(days=days)
                fields["due_at"] = due_at
            await note(
                uow,
                order,
                "extension_accepted" if accept else "extension_declined",
                actor,
                now,
                actor_user_id=buyer_id,
                data={"days": days},
                **fields,
            )
            await uow.outbox.add(
                notify(
                    order.seller_id,
                    "order.extension_answered",
                    order,
                    dedupe=f"order:{order.id}:extans:{now.isoformat()}",
                    accepted=accept,
                    days=days,
                    due_at=due_at.isoformat() if due_at else None,
                ),
                now,
            )
        return order

    async def remind_sellers(self) -> int:
        """Sweep: the seller hears once, 24 hours before a due time, that it is coming."""
        now = self._clock.now()
        sent = 0
        async with self._uow() as uow:
            due = await uow.orders.due(
                (OrderStatus.in_progress,), "due_at", now + SELLER_REMINDER, SWEEP_BATCH, after=now
            )
            for order_id in due:
                order = await uow.orders.get(order_id)
                if order is None or order.due_at is None:
                    continue
                stamp = order.due_at.isoformat()
                sent += await uow.outbox.add(
                    notify(
                        order.seller_id,
                        "order.due_soon",
                        order,
                        dedupe=f"order:{order.id}:duesoon:{stamp}",
                        due_at=stamp,
                    ),
                    now,
                )
        return sent

    async def late_notices(self) -> int:
        """Sweep: once an order is past its due time, both sides hear it (once per due time);
        the buyer's notice carries the full-refund cancellation."""
        now = self._clock.now()
        sent = 0
        async with self._uow() as uow:
            due = await uow.orders.due(
                (OrderStatus.in_progress,), "due_at", now, SWEEP_BATCH, after=now - LATE_WINDOW
            )
            for order_id in due:
                order = await uow.orders.get(order_id)
                if order is None or order.due_at is None or order.due_at >= now:
                    continue
                stamp = order.due_at.isoformat()
                for chat_id, kind in (
                    (order.buyer_id, "order.late_buyer"),
                    (order.seller_id, "order.late_seller"),
                ):
                    sent += await uow.outbox.add(
                        notify(
                            chat_id,
                            kind,
                            order,
                            dedupe=f"order:{order.id}:late:{stamp}:{chat_id}",
                            due_at=stamp,
                        ),
                        now,
                    )
        return sent
