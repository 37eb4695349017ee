"""Every kind of notification the bot sends, in one place.

A notification is queued in the outbox (`uow.outbox`) as a kind string plus a JSON payload in
the same unit of work as the change it reports, and rendered into a message when it is sent
(`bot.telegram.outbox_sender`), in the recipient's language. The kind is what ties the two
ends together, so it is declared here once: services emit these kinds, handlers register one
renderer for each, and `tests/unit/test_notices.py` fails when a kind has no renderer, a
renderer has no kind, or a service emits a kind missing here. The values are the strings the
outbox rows already hold, so rows queued before this catalog still render.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from enum import StrEnum
from typing import Any, TypeVar


class NoticeKind(StrEnum):
    BRIEF_EXPIRED = "brief.expired"
    BRIEF_NEW = "brief.new"
    DISPUTE_CASE = "dispute.case"
    GROUP_POST = "group.post"
    GROUP_POST_EDIT = "group.post_edit"
    OFFER_ACCEPTED = "offer.accepted"
    OFFER_CLOSED = "offer.closed"
    OFFER_DECLINED = "offer.declined"
    OFFER_NEW = "offer.new"
    OPS_ALERT = "ops.alert"
    ORDER_AUTO_COMPLETE_SOON = "order.auto_complete_soon"
    ORDER_CANCEL_DECLINED = "order.cancel_declined"
    ORDER_CANCEL_REQUESTED = "order.cancel_requested"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_CHAT = "order.chat"
    ORDER_COMPLETED_BUYER = "order.completed_buyer"
    ORDER_COMPLETED_SELLER = "order.completed_seller"
    ORDER_DECLINED = "order.declined"
    ORDER_DELIVERED = "order.delivered"
    ORDER_DISPUTE_OPENED = "order.dispute_opened"
    ORDER_DISPUTE_RESOLVED = "order.dispute_resolved"
    ORDER_DUE_SOON = "order.due_soon"
    ORDER_EXPIRED = "order.expired"
    ORDER_EXTENSION_ANSWERED = "order.extension_answered"
    ORDER_EXTENSION_REQUESTED = "order.extension_requested"
    ORDER_LATE_BUYER = "order.late_buyer"
    ORDER_LATE_SELLER = "order.late_seller"
    ORDER_NEW_FOR_SELLER = "order.new_for_seller"
    ORDER_PAID_LATE = "order.paid_late"
    ORDER_PAID_TWICE = "order.paid_twice"
    ORDER_PART = "order.part"
    ORDER_RECEIPT = "order.receipt"
    ORDER_REFUND_BY_OPERATOR = "order.refund_by_operator"
    ORDER_REFUNDED = "order.refunded"
    ORDER_REQUIREMENT_FILE = "order.requirement_file"
    ORDER_REVIEW_REMINDER = "order.review_reminder"
    ORDER_REVIEWED = "order.reviewed"
    ORDER_REVISION = "order.revision"
    ORDER_TIP_RECEIVED = "order.tip_received"
    ORDER_TIP_THANKS = "order.tip_thanks"
    SAVED_DIGEST = "saved.digest"


# --- typed payloads -------------------------------------------------------------------------
# A kind's payload as a dataclass: emitters still write the JSON dict the outbox row holds
# (`bot.services.orders.steps.notify`), renderers read it back through `payload_of`, so a
# missing field fails loudly there instead of rendering "None", and a renamed field fails the
# test that round-trips every typed kind. Rows queued before a field was added still render
# when the field has a default. So far the tips' and the payment notices' kinds are typed; the
# others are dicts.


@dataclass(frozen=True)
class OrderNotice:
    """What every order notification carries (`notify` writes these from the order)."""

    order_id: int
    title: str
    currency: str
    total_minor: int


@dataclass(frozen=True)
class TipReceived(OrderNotice):
    """To the seller: a tip arrived, and what of it is theirs after the commission."""

    tip_minor: int
    net_minor: int


@dataclass(frozen=True)
class TipThanks(OrderNotice):
    """To the buyer: the tip was paid."""

    tip_minor: int


@dataclass(frozen=True)
class PaymentNotice(OrderNotice):
    """To the buyer, about the order's payment: receipt, expiry, decline, refunds."""

    #: what was (or is being) refunded, when it is not the order's total
    refunded_minor: int | None = None
    #: ISO time the delivery is due (the receipt)
    due_at: str | None = None


PAYLOAD_TYPES: Mapping[NoticeKind, type[OrderNotice]] = {
    NoticeKind.ORDER_TIP_RECEIVED: TipReceived,
    NoticeKind.ORDER_TIP_THANKS: TipThanks,
    NoticeKind.ORDER_RECEIPT: PaymentNotice,
    NoticeKind.ORDER_EXPIRED: PaymentNotice,
    NoticeKind.ORDER_DECLINED: PaymentNotice,
    NoticeKind.ORDER_REFUNDED: PaymentNotice,
    NoticeKind.ORDER_REFUND_BY_OPERATOR: PaymentNotice,
    NoticeKind.ORDER_PAID_TWICE: PaymentNotice,
    NoticeKind.ORDER_PAID_LATE: PaymentNotice,
}

P = TypeVar("P", bound=OrderNotice)


def payload_of(kind: type[P], data: Mapping[str, Any]) -> P:
    """The typed payload of an outbox row's JSON (keys it does not declare are ignored: rows
    may carry more than a renderer reads)."""
    values: dict[str, Any] = {}
    for item in fields(kind):
        if item.name in data:
            values[item.name] = data[item.name]
        elif item.default is MISSING:
            raise ValueError(f"{kind.__name__} payload lacks {item.name!r}")
    return kind(**values)
