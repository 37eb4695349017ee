"""Small building blocks shared by the order and payment services.

Why here: every status change must go through the state machine, bump the order's version
(so a racing change is refused, not merged) and leave an event in the order's history; doing
that in one function keeps the services from writing a status any other way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from bot.domain.order import Actor, OrderEvent, OrderFacts, OrderStatus, transition
from bot.errors import Conflict
from bot.i18n.markers import N_
from bot.services.notices import checked
from bot.services.ports import NewNotification, OrderEventRecord, OrderRecord, UnitOfWork

OPS_ALERT = "ops.alert"


log = logging.getLogger(__name__)

def facts_of(order: OrderRecord, now: datetime) -> OrderFacts:
    return OrderFacts(
        now=now,
        due_at=order.due_at,
        revisions_used=order.revisions_used,
        revisions_allowed=order.revisions_allowed,
        seller_started=order.seller_started,
        decline_until=order.decline_until,
        auto_complete_at=order.auto_complete_at,
        has_delivered=order.delivered_at is not None,
    )


async def move(
    uow: UnitOfWork,
    order: OrderRecord,
    event: OrderEvent,
    actor: Actor,
    now: datetime,
    *,
    actor_user_id: int | None = None,
    data: Mapping[str, Any] | None = None,
    **fields: Any,
) -> OrderStatus:
    """Apply `event` through the state machine, with a version check, and log the event."""
    target = transition(OrderStatus(order.status), event, actor, facts_of(order, now))
    if not await uow.orders.update(order.id, order.version, status=target.value, **fields):
        raise Conflict(N_("This order changed at the same moment. Please look at it again."))
    await uow.order_events.append(
        OrderEventRecord(
            order_id=order.id,
            event=event.value,
            actor=actor.value,
            actor_user_id=actor_user_id,
            from_status=order.status,
            to_status=target.value,
            data=dict(data or {}),
            created_at=now,
        )
    )
    log.info(
        "order %s: %s -> %s (%s by %s)",
        order.id,
        order.status,
        target.value,
        event.value,
        actor.value,
        extra={"order_id": order.id},
    )
    return target


async def alert_operators(
    uow: UnitOfWork,
    admin_ids: Iterable[int],
    now: datetime,
    message: str,
    dedupe: str,
    **params: Any,
) -> None:
    """Tell every operator about something money-related that needs a human (outbox)."""
    for admin_id in admin_ids:
        await uow.outbox.add(
            NewNotification(
                admin_id,
                OPS_ALERT,
                {"message": message, "params": {k: str(v) for k, v in params.items()}},
                dedupe_key=f"ops:{dedupe}:{admin_id}",
            ),
            now,
        )


def notify(
    chat_id: int, kind: str, order: OrderRecord, dedupe: str | None = None, **extra: Any
) -> NewNotification:
    """A notification about `order`, deduplicated per order and kind unless told otherwise; its
    payload must be exactly its kind's type (`bot.services.notices.checked`)."""
    payload: dict[str, Any] = {
        "order_id": order.id,
        "title": str(order.snapshot.get("title", "")),
        "currency": order.currency,
        "total_minor": order.total_minor,
        **extra,
    }
    key = dedupe or f"order:{order.id}:{kind}:{chat_id}"
    return NewNotification(chat_id, kind, checked(kind, payload), dedupe_key=key)
