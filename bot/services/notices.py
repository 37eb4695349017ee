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

from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
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
# when the field has a default. Every kind has one (`tests/unit/test_notices.py`).


@dataclass(frozen=True)
class Notice:
    """The base of every typed payload (`payload_of` reads any of them)."""


@dataclass(frozen=True)
class OrderNotice(Notice):
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


@dataclass(frozen=True)
class PartNotice(OrderNotice):
    """One delivered or evidence message (text, photo or document), re-sent as it was sent."""

    part: Mapping[str, Any]
    #: "delivery" or "evidence"; the header says which
    label: str | None = None


@dataclass(frozen=True)
class ChatNotice(OrderNotice):
    """One message of the order's chat, to the other side."""

    by: str
    part: Mapping[str, Any]


@dataclass(frozen=True)
class Delivered(OrderNotice):
    """To the buyer: the delivery is complete and the auto-completion clock runs."""

    parts: int
    auto_complete_at: str
    #: None: unlimited revisions
    revisions_left: int | None = None
    number: int | None = None


@dataclass(frozen=True)
class CompletedBuyer(OrderNotice):
    """To the buyer: the order completed (approved or automatically)."""

    automatic: bool = False


@dataclass(frozen=True)
class CompletedSeller(OrderNotice):
    """To the seller: the order completed and what of it is theirs, from when."""

    net_minor: int
    clears_at: str | None = None
    automatic: bool = False


@dataclass(frozen=True)
class Cancelled(OrderNotice):
    """To both sides: the order is cancelled, and why (an order event's name)."""

    reason: str | None = None


@dataclass(frozen=True)
class CancelRequested(OrderNotice):
    """To the other side: a cancellation by agreement was asked for."""

    by: str
    auto_at: str


@dataclass(frozen=True)
class ExtensionRequested(OrderNotice):
    """To the buyer: the seller asks for more days."""

    days: int
    due_at: str | None = None


@dataclass(frozen=True)
class ExtensionAnswered(OrderNotice):
    """To the seller: the buyer's answer to more days."""

    days: int
    accepted: bool = False
    due_at: str | None = None


@dataclass(frozen=True)
class DueNotice(OrderNotice):
    """A reminder about the order's due time (due soon, late)."""

    due_at: str | None = None


@dataclass(frozen=True)
class AutoCompleteSoon(OrderNotice):
    """To the buyer: the order completes on its own soon."""

    auto_complete_at: str | None = None


@dataclass(frozen=True)
class RevisionNotice(OrderNotice):
    """To the seller: the buyer asks for a revision, and the new due time."""

    reason: str = ""
    due_at: str | None = None


@dataclass(frozen=True)
class DisputeOpened(OrderNotice):
    """To the other side: a dispute was opened, and why."""

    reason: str = ""
    by: str | None = None


@dataclass(frozen=True)
class DisputeCase(OrderNotice):
    """To each operator: the case to decide, with the order's history."""

    by: str
    reason: str
    buyer_id: int
    seller_id: int
    history: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class DisputeResolved(OrderNotice):
    """To both sides: the operator's decision (release, refund or split)."""

    outcome: str
    role: str | None = None
    percent: int | None = None
    refunded_minor: int | None = None
    net_minor: int | None = None


@dataclass(frozen=True)
class Reviewed(OrderNotice):
    """To the reviewed side: a new review."""

    rating: int
    comment: str | None = None
    by: str | None = None


@dataclass(frozen=True)
class ReviewReminder(OrderNotice):
    """To a side that has not reviewed yet: until when it still can."""

    closes_at: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class NewForSeller(OrderNotice):
    """To the seller: a paid order, the buyer's answers, and until when it can be declined."""

    #: (question, answer) pairs; files are named only (they follow as requirement files)
    answers: Sequence[Sequence[str]] = ()
    due_at: str | None = None
    decline_until: str | None = None


@dataclass(frozen=True)
class RequirementFile(OrderNotice):
    """To the seller: one file the buyer answered a requirement with (`file` as Telegram
    described it: type, file_id, file_name)."""

    file: Mapping[str, Any]
    question: str = ""


@dataclass(frozen=True)
class OpsAlert(Notice):
    """To each operator: a translatable message and its (string) parameters."""

    message: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OfferNotice(Notice):
    """To the seller, about their offer on a request: accepted, declined or closed."""

    offer_id: int
    request_id: int
    currency: str
    price_minor: int
    delivery_days: int
    description: str = ""


@dataclass(frozen=True)
class OfferReceived(OfferNotice):
    """To the buyer: an offer on their request, with who sent it."""

    seller: str = ""
    #: the request's text, cut to 200 characters
    request: str = ""


@dataclass(frozen=True)
class BriefPosted(Notice):
    """To a matched freelancer: a buyer's request to send an offer on."""

    request_id: int
    category: str
    text: str
    currency: str
    budget_minor: int
    deadline_days: int
    expires_at: str | None = None


@dataclass(frozen=True)
class BriefExpired(Notice):
    """To the buyer: their request expired without an accepted offer."""

    request_id: int
    request: str = ""


@dataclass(frozen=True)
class GroupPost(Notice):
    """To a group: a post to send. What it shows is read at send time (the sender's hook adds
    it to the row before rendering), so the row holds only the post."""

    post_id: int


@dataclass(frozen=True)
class GroupPostEdit(GroupPost):
    """To a group: a sent post to edit, and what changed (paused, resumed, deleted, price)."""

    change: str = ""


@dataclass(frozen=True)
class SavedDigest(Notice):
    """To a user: today's new gigs for the searches they follow.

    `gigs`: {id, title, search}; `searches`: {id, text, category} (JSON objects)."""

    gigs: Sequence[Mapping[str, Any]] = ()
    searches: Sequence[Mapping[str, Any]] = ()


PAYLOAD_TYPES: Mapping[NoticeKind, type[Notice]] = {
    NoticeKind.GROUP_POST: GroupPost,
    NoticeKind.GROUP_POST_EDIT: GroupPostEdit,
    NoticeKind.SAVED_DIGEST: SavedDigest,
    NoticeKind.OFFER_NEW: OfferReceived,
    NoticeKind.OFFER_ACCEPTED: OfferNotice,
    NoticeKind.OFFER_DECLINED: OfferNotice,
    NoticeKind.OFFER_CLOSED: OfferNotice,
    NoticeKind.BRIEF_NEW: BriefPosted,
    NoticeKind.BRIEF_EXPIRED: BriefExpired,
    NoticeKind.ORDER_NEW_FOR_SELLER: NewForSeller,
    NoticeKind.ORDER_REQUIREMENT_FILE: RequirementFile,
    NoticeKind.OPS_ALERT: OpsAlert,
    NoticeKind.ORDER_PART: PartNotice,
    NoticeKind.ORDER_CHAT: ChatNotice,
    NoticeKind.ORDER_DELIVERED: Delivered,
    NoticeKind.ORDER_COMPLETED_BUYER: CompletedBuyer,
    NoticeKind.ORDER_COMPLETED_SELLER: CompletedSeller,
    NoticeKind.ORDER_CANCELLED: Cancelled,
    NoticeKind.ORDER_CANCEL_REQUESTED: CancelRequested,
    NoticeKind.ORDER_CANCEL_DECLINED: OrderNotice,
    NoticeKind.ORDER_EXTENSION_REQUESTED: ExtensionRequested,
    NoticeKind.ORDER_EXTENSION_ANSWERED: ExtensionAnswered,
    NoticeKind.ORDER_LATE_BUYER: DueNotice,
    NoticeKind.ORDER_LATE_SELLER: DueNotice,
    NoticeKind.ORDER_DUE_SOON: DueNotice,
    NoticeKind.ORDER_AUTO_COMPLETE_SOON: AutoCompleteSoon,
    NoticeKind.ORDER_REVISION: RevisionNotice,
    NoticeKind.ORDER_DISPUTE_OPENED: DisputeOpened,
    NoticeKind.DISPUTE_CASE: DisputeCase,
    NoticeKind.ORDER_DISPUTE_RESOLVED: DisputeResolved,
    NoticeKind.ORDER_REVIEWED: Reviewed,
    NoticeKind.ORDER_REVIEW_REMINDER: ReviewReminder,
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

P = TypeVar("P", bound=Notice)


def payload_of(kind: type[P], data: Mapping[str, Any]) -> P:
    """The typed payload of an outbox row's JSON (keys it does not declare are ignored: rows
    may carry more than a renderer reads)."""
    values: dict[str, Any] = {}
    for item in fields(kind):
        if item.name in data:
            values[item.name] = data[item.name]
        elif item.default is MISSING and item.default_factory is MISSING:
            raise ValueError(f"{kind.__name__} payload lacks {item.name!r}")
    return kind(**values)


def checked(kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """`payload` as an emitter queues it for `kind`, refused (ValueError) when it lacks a field
    of the kind's type or carries one the type does not declare: an emitter and its renderer
    cannot drift apart unnoticed, at the emitter's test rather than at send time."""
    payload_type = PAYLOAD_TYPES[NoticeKind(kind)]
    declared = {item.name for item in fields(payload_type)}
    unknown = set(payload) - declared
    if unknown:
        raise ValueError(f"{payload_type.__name__} payload has undeclared {sorted(unknown)}")
    payload_of(payload_type, payload)
    return dict(payload)
