"""The order state machine, as a table.

Why a table: every (state, event, actor) that may happen is one row, so what the bot allows can
be read, tested exhaustively (the full cross product) and shown as buttons (`allowed_events`)
from the same data; nothing else in the code writes an order's status. A row's guard looks only
at `OrderFacts` (the clock and the order's counters and deadlines, gathered by the service) and
returns None to allow, or an `N_` message that tells the user why not. Refusals carry the facts as
named parameters ({revisions_allowed}, {due_at}, ...) so a message can quote them.

    awaiting_payment --pay--> in_progress --deliver--> delivered
    delivered --approve/auto_complete--> completed
    awaiting_payment --expire/cancel_unpaid--> cancelled
    in_progress <--request_revision-- delivered
    in_progress --decline/cancel_before_start/cancel_late/mutual_cancel--> cancelled
    delivered --mutual_cancel--> cancelled
    in_progress|delivered --open_dispute--> disputed --resolve_release/refund/split-->
        completed | cancelled | split

Completed, cancelled and split are terminal: no row leaves them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from bot.errors import TransitionRefused
from bot.i18n.markers import N_


class OrderStatus(StrEnum):
    awaiting_payment = "awaiting_payment"
    in_progress = "in_progress"
    delivered = "delivered"
    completed = "completed"
    cancelled = "cancelled"
    disputed = "disputed"
    split = "split"  # type: ignore[assignment]  # shadows str.split on purpose (contract)


class OrderEvent(StrEnum):
    pay = "pay"
    expire = "expire"
    cancel_unpaid = "cancel_unpaid"
    deliver = "deliver"
    request_revision = "request_revision"
    approve = "approve"
    auto_complete = "auto_complete"
    decline = "decline"  # the seller turns a new order down
    cancel_before_start = "cancel_before_start"  # the buyer, before the seller started
    cancel_late = "cancel_late"  # the buyer, after the delivery deadline passed
    mutual_cancel = "mutual_cancel"  # carrying out a cancellation both sides agreed to
    open_dispute = "open_dispute"
    resolve_release = "resolve_release"  # operator: money to the seller
    resolve_refund = "resolve_refund"  # operator: money back to the buyer
    resolve_split = "resolve_split"  # operator: part to each


class Actor(StrEnum):
    buyer = "buyer"
    seller = "seller"
    operator = "operator"
    system = "system"


#: Statuses an order leaves only through the table; terminal ones are never left.
CLOSED_STATUSES: frozenset[OrderStatus] = frozenset(
    {OrderStatus.completed, OrderStatus.cancelled, OrderStatus.split}
)
OPEN_STATUSES: frozenset[OrderStatus] = frozenset(OrderStatus) - CLOSED_STATUSES

ORDER_STATUS_LABELS: Mapping[OrderStatus, str] = MappingProxyType(
    {
        OrderStatus.awaiting_payment: N_("Awaiting payment"),
        OrderStatus.in_progress: N_("In progress"),
        OrderStatus.delivered: N_("Delivered"),
        OrderStatus.completed: N_("Completed"),
        OrderStatus.cancelled: N_("Cancelled"),
        OrderStatus.disputed: N_("In dispute"),
        OrderStatus.split: N_("Settled by split"),
    }
)


@dataclass(frozen=True)
class OrderFacts:
    """What guards may look at; gathered by the service from the order row and the clock.

    `has_delivered` (added to the contract, default False) is True once the seller has delivered
    at least once: after a revision request the order is back in progress, but the seller can no
    longer decline it nor the buyer cancel it as "not started".
    """

    now: datetime
    due_at: datetime | None = None
    revisions_used: int = 0
    revisions_allowed: int | None = None  # None = unlimited
    seller_started: bool = False
    decline_until: datetime | None = None
    auto_complete_at: datetime | None = None
    has_delivered: bool = False

    def params(self) -> dict[str, Any]:
        """Named values a refusal message may quote."""
        return {
            "now": self.now,
            "due_at": self.due_at,
            "revisions_used": self.revisions_used,
            "revisions_allowed": self.revisions_allowed,
            "decline_until": self.decline_until,
            "auto_complete_at": self.auto_complete_at,
        }


Guard = Callable[[OrderFacts], str | None]


def always(_: OrderFacts) -> str | None:
    """The guard of rows with no condition beyond state and actor."""
    return None


def _revision_left(facts: OrderFacts) -> str | None:
    if facts.revisions_allowed is None or facts.revisions_used < facts.revisions_allowed:
        return None
    if facts.revisions_allowed == 0:
        return N_("This order includes no revisions. You can approve it or open a dispute.")
    return N_(
        "All {revisions_allowed} revisions of this order have been used. "
        "You can approve it or open a dispute."
    )


def _auto_complete_due(facts: OrderFacts) -> str | None:
    if facts.auto_complete_at is None:
        return N_("This order has no automatic completion scheduled.")
    if facts.now < facts.auto_complete_at:
        return N_("This order completes automatically at {auto_complete_at}, not before.")
    return None


def _decline_window_open(facts: OrderFacts) -> str | None:
    if facts.has_delivered:
        return N_("An order cannot be declined after a delivery.")
    if facts.decline_until is None or facts.now >= facts.decline_until:
        return N_("The time to decline this order has passed; please deliver or ask the buyer.")
    return None


def _not_started(facts: OrderFacts) -> str | None:
    if facts.seller_started or facts.has_delivered:
        return N_(
            "The seller has already started this order, so it can only be cancelled by "
            "agreement or through a dispute."
        )
    return None


def _late(facts: OrderFacts) -> str | None:
    if facts.due_at is None or facts.now <= facts.due_at:
        return N_(
            "This order is not late: it is due at {due_at}. You can cancel it yourself only "
            "after that time."
        )
    return None


@dataclass(frozen=True)
class Transition:
    """One row of the table: where the event leads, and when it is allowed."""

    target: OrderStatus
    guard: Guard = always


def _rows() -> dict[tuple[OrderStatus, OrderEvent, Actor], Transition]:
    S, E, A = OrderStatus, OrderEvent, Actor  # short names keep the table readable
    rows: dict[tuple[OrderStatus, OrderEvent, Actor], Transition] = {
        (S.awaiting_payment, E.pay, A.buyer): Transition(S.in_progress),
        (S.awaiting_payment, E.expire, A.system): Transition(S.cancelled),
        (S.awaiting_payment, E.cancel_unpaid, A.buyer): Transition(S.cancelled),
        (S.in_progress, E.deliver, A.seller): Transition(S.delivered),
        (S.delivered, E.request_revision, A.buyer): Transition(S.in_progress, _revision_left),
        (S.delivered, E.approve, A.buyer): Transition(S.completed),
        (S.delivered, E.auto_complete, A.system): Transition(S.completed, _auto_complete_due),
        (S.in_progress, E.decline, A.seller): Transition(S.cancelled, _decline_window_open),
        (S.in_progress, E.cancel_before_start, A.buyer): Transition(S.cancelled, _not_started),
        (S.in_progress, E.cancel_late, A.buyer): Transition(S.cancelled, _late),
        (S.disputed, E.resolve_release, A.operator): Transition(S.completed),
        (S.disputed, E.resolve_refund, A.operator): Transition(S.cancelled),
        (S.disputed, E.resolve_split, A.operator): Transition(S.split),
    }
    for status in (S.in_progress, S.delivered):
        rows[(status, E.mutual_cancel, A.system)] = Transition(S.cancelled)
        for actor in (A.buyer, A.seller):
            rows[(status, E.open_dispute, actor)] = Transition(S.disputed)
    return rows


#: The whole state machine. A (state, event, actor) that is not a key is never allowed.
TRANSITIONS: Mapping[tuple[OrderStatus, OrderEvent, Actor], Transition] = MappingProxyType(_rows())


def refusal(status: OrderStatus, event: OrderEvent, actor: Actor, facts: OrderFacts) -> str | None:
    """Why (status, event, actor) is refused now, as an N_ message; None when it is allowed."""
    row = TRANSITIONS.get((status, event, actor))
    if row is None:
        return N_("This action is not possible while the order is {status}.")
    return row.guard(facts)


def transition(
    status: OrderStatus, event: OrderEvent, actor: Actor, facts: OrderFacts
) -> OrderStatus:
    """The status after `event` by `actor`, or TransitionRefused saying why not."""
    status, event, actor = OrderStatus(status), OrderEvent(event), Actor(actor)
    reason = refusal(status, event, actor, facts)
    if reason is not None:
        raise TransitionRefused(
            reason,
            status=status.value,
            event=event.value,
            actor=actor.value,
            **facts.params(),
        )
    return TRANSITIONS[(status, event, actor)].target


def allowed_events(status: OrderStatus, actor: Actor, facts: OrderFacts) -> list[OrderEvent]:
    """Events `actor` may trigger now, in declaration order: the buttons to show."""
    return [
        event
        for event in OrderEvent
        if (status, event, actor) in TRANSITIONS and refusal(status, event, actor, facts) is None
    ]


def is_terminal(status: OrderStatus) -> bool:
    return status in CLOSED_STATUSES


__all__ = [
    "CLOSED_STATUSES",
    "OPEN_STATUSES",
    "ORDER_STATUS_LABELS",
    "TRANSITIONS",
    "Actor",
    "Guard",
    "OrderEvent",
    "OrderFacts",
    "OrderStatus",
    "Transition",
    "allowed_events",
    "always",
    "is_terminal",
    "refusal",
    "transition",
]
