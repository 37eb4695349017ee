"""Renderers of the notifications the after-payment services commit to the outbox.

Each renderer turns a payload (plain data written with the state change) into the message the
recipient sees, in their language, with the buttons for what they can do next. Files are
re-sent by their Telegram file_id, so a delivery arrives as the seller sent it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.domain.money import Money
from bot.handlers.context import AnyApplication, deps_of
from bot.handlers.orders.buttons import (
    APPROVE,
    CANCEL_LATE,
    CHAT,
    DISPUTE_OPEN,
    EXTENSION_ANSWER,
    MUTUAL_ANSWER,
    ORDER_OPEN,
    RATE,
    RESOLVE,
    REVISION,
    TIP,
    Outcome,
)
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.notices import (
    AutoCompleteSoon,
    Cancelled,
    CancelRequested,
    ChatNotice,
    CompletedBuyer,
    CompletedSeller,
    Delivered,
    DisputeCase,
    DisputeOpened,
    DisputeResolved,
    DueNotice,
    ExtensionAnswered,
    ExtensionRequested,
    OrderNotice,
    PartNotice,
    Reviewed,
    ReviewReminder,
    RevisionNotice,
    payload_of,
)
from bot.telegram.messages import Button, OutgoingMessage, escape

Payload = Mapping[str, Any]
Renderer = Callable[[Translator, Payload], OutgoingMessage]

EVENT_LABELS: Mapping[str, str] = {
    "place": N_("order placed"),
    "pay": N_("paid"),
    "start": N_("seller started"),
    "deliver": N_("delivered"),
    "request_revision": N_("revision requested"),
    "approve": N_("approved"),
    "auto_complete": N_("completed automatically"),
    "decline": N_("declined by the seller"),
    "cancel_before_start": N_("cancelled by the buyer"),
    "cancel_late": N_("cancelled as late"),
    "cancel_request": N_("cancellation requested"),
    "cancel_declined": N_("cancellation declined"),
    "cancel_request_lapsed": N_("cancellation request lapsed"),
    "mutual_cancel": N_("cancelled by agreement"),
    "extension_request": N_("more time requested"),
    "extension_accepted": N_("more time granted"),
    "extension_declined": N_("more time refused"),
    "open_dispute": N_("dispute opened"),
    "resolve_release": N_("dispute: released to the seller"),
    "resolve_refund": N_("dispute: refunded to the buyer"),
    "resolve_split": N_("dispute: split"),
    "message": N_("message"),
    "review": N_("review"),
    "tip": N_("tip"),
    "expire": N_("invoice expired"),
}
ROLE_LABELS: Mapping[str, str] = {
    "buyer": N_("buyer"),
    "seller": N_("seller"),
    "operator": N_("operator"),
    "system": N_("automatic"),
}


def when(value: object) -> str:
    return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def money(p: Payload, field: str = "total_minor") -> str:
    return escape(Money(int(p[field]), str(p["currency"])).format())


def title(p: Payload) -> str:
    return f"#{p['order_id']} <b>{escape(p.get('title', ''))}</b>"


def open_button(_: Translator, p: Payload) -> tuple[Button, ...]:
    return open_row(_, int(p["order_id"]))


def open_row(_: Translator, order_id: int) -> tuple[Button, ...]:
    return (Button(_("📋 Open the order"), ORDER_OPEN.pack(order=order_id)),)


def heading(n: OrderNotice) -> str:
    """The order as a notice names it: `#7 <b>Logo</b>`."""
    return f"#{n.order_id} <b>{escape(n.title)}</b>"


def amount(n: OrderNotice, minor: int) -> str:
    return escape(Money(minor, n.currency).format())


def stars_row(order_id: int) -> tuple[Button, ...]:
    return tuple(Button("⭐" * n, RATE.pack(order=order_id, stars=n)) for n in (1, 2, 3, 4, 5))


def history_text(_: Translator, lines: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for line in lines:
        label = _(EVENT_LABELS.get(str(line["event"]), str(line["event"])))
        who = _(ROLE_LABELS.get(str(line["actor"]), str(line["actor"])))
        detail = f": {escape(line['detail'])}" if line.get("detail") else ""
        rows.append(f"• {when(line['at'])} — {escape(label)} ({escape(who)}){detail}")
    return "\n".join(rows) or _("(nothing yet)")


def render_part(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(PartNotice, p)
    part = n.part
    header = {
        "delivery": _("📦 Delivery for {order}", order=heading(n)),
        "evidence": _("📎 Evidence for {order}", order=heading(n)),
    }.get(str(n.label), heading(n))
    body = escape(part.get("text") or "")
    if part["kind"] == "text":
        return OutgoingMessage(f"{header}\n\n{body}")  # the notifier splits long texts
    caption = f"{header}\n{body}" if body else header  # too long: the file goes bare, then it
    if part["kind"] == "photo":
        return OutgoingMessage(caption, photo=str(part["file_id"]))
    return OutgoingMessage(caption, document=str(part["file_id"]))


def render_chat(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(ChatNotice, p)
    part, order_id = n.part, n.order_id
    who = (
        _("💬 The seller about {order}:") if n.by == "seller" else _("💬 The buyer about {order}:")
    )
    header = who.format(order=heading(n))
    reply = ((Button(_("↩️ Reply"), CHAT.pack(order=order_id)),),)
    body = escape(part.get("text") or "")
    if part["kind"] == "text":
        return OutgoingMessage(f"{header}\n{body}", reply)
    caption = f"{header}\n{body}"
    if part["kind"] == "photo":
        return OutgoingMessage(caption, reply, photo=str(part["file_id"]))
    return OutgoingMessage(caption, reply, document=str(part["file_id"]))


def render_delivered(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(Delivered, p)
    order_id, left = n.order_id, n.revisions_left
    revisions = (
        _("Unlimited revisions.") if left is None else _("Revisions left: {n}.", n=int(left))
    )
    text = _(
        "✅ The seller delivered {order} ({parts} message(s) above). Please check the work.\n"
        "{revisions}\nIf you do nothing, the order completes automatically at {at} and the "
        "seller is paid.",
        order=heading(n),
        parts=n.parts,
        revisions=revisions,
        at=when(n.auto_complete_at),
    )
    return OutgoingMessage(
        text,
        (
            (Button(_("👍 Approve"), APPROVE.pack(order=order_id)),),
            (Button(_("🔁 Request a revision"), REVISION.pack(order=order_id)),),
            (Button(_("⚖️ Open a dispute"), DISPUTE_OPEN.pack(order=order_id)),),
        ),
    )


def render_completed_buyer(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(CompletedBuyer, p)
    intro = (
        _("🏁 {order} completed automatically.", order=heading(n))
        if n.automatic
        else _("🏁 You approved {order}. Thank you!", order=heading(n))
    )
    text = intro + "\n" + _("How was the seller? Rate them (you can add a comment next):")
    tip = (Button(_("💝 Add a tip"), TIP.pack(order=n.order_id)),)
    return OutgoingMessage(text, (stars_row(n.order_id), tip))


def render_completed_seller(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(CompletedSeller, p)
    text = _(
        "🏁 {order} is complete. {net} is on your balance and is paid out after the clearance "
        "period (from {clears}).\nHow was the buyer? Rate them:",
        order=heading(n),
        net=amount(n, n.net_minor),
        clears=when(n.clears_at),
    )
    return OutgoingMessage(text, (stars_row(n.order_id),))


def render_cancel_requested(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(CancelRequested, p)
    order_id = n.order_id
    who = _(ROLE_LABELS.get(str(n.by), "?"))
    text = _(
        "The {who} asks to cancel {order}. If you accept, the buyer is refunded in full. "
        "Without an answer it is accepted automatically at {at}.",
        who=escape(who),
        order=heading(n),
        at=when(n.auto_at),
    )
    return OutgoingMessage(
        text,
        (
            (
                Button(_("Accept"), MUTUAL_ANSWER.pack(order=order_id, yes=True)),
                Button(_("Decline"), MUTUAL_ANSWER.pack(order=order_id, yes=False)),
            ),
        ),
    )


def render_extension_requested(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(ExtensionRequested, p)
    order_id = n.order_id
    text = _(
        "⏳ The seller asks for {days} more day(s) for {order} (due {due}).",
        days=n.days,
        order=heading(n),
        due=when(n.due_at),
    )
    return OutgoingMessage(
        text,
        (
            (
                Button(_("Accept"), EXTENSION_ANSWER.pack(order=order_id, yes=True)),
                Button(_("Decline"), EXTENSION_ANSWER.pack(order=order_id, yes=False)),
            ),
        ),
    )


def render_extension_answered(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(ExtensionAnswered, p)
    if n.accepted:
        text = _("The buyer gave you {days} more day(s) for {order}; it is now due {due}.")
    else:
        text = _("The buyer declined more time for {order}; it is still due {due}.")
    return OutgoingMessage(
        text.format(days=n.days, order=heading(n), due=when(n.due_at)),
        (open_row(_, n.order_id),),
    )


def render_late_buyer(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(DueNotice, p)
    text = _(
        "⏰ {order} was due {due} and has not been delivered. You can cancel it now for a full "
        "refund, or keep waiting.",
        order=heading(n),
        due=when(n.due_at),
    )
    return OutgoingMessage(
        text,
        (
            (Button(_("Cancel with a full refund"), CANCEL_LATE.pack(order=n.order_id)),),
            open_row(_, n.order_id),
        ),
    )


def render_dispute_case(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(DisputeCase, p)
    order_id = n.order_id
    who = _(ROLE_LABELS.get(str(n.by), "?"))
    head = _(
        "⚖️ Dispute on {order} ({total}), opened by the {who} (buyer {buyer}, seller {seller}).\n"
        "<b>Reason</b>: {reason}\n\n<b>History</b>\n",
        order=heading(n),
        total=amount(n, n.total_minor),
        who=escape(who),
        buyer=n.buyer_id,
        seller=n.seller_id,
        reason=escape(n.reason),
    )
    text = head + history_text(_, list(n.history))
    return OutgoingMessage(
        text,
        (
            (
                Button(
                    _("Release to the seller"),
                    RESOLVE.pack(order=order_id, outcome=Outcome.RELEASE),
                ),
            ),
            (Button(_("Refund the buyer"), RESOLVE.pack(order=order_id, outcome=Outcome.REFUND)),),
            (
                Button(
                    _("Split by a percentage"), RESOLVE.pack(order=order_id, outcome=Outcome.SPLIT)
                ),
            ),
        ),
    )


def render_dispute_resolved(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(DisputeResolved, p)
    outcome = n.outcome
    if outcome == "release":
        text = _("⚖️ The dispute on {order} was resolved: the payment goes to the seller.")
    elif outcome == "refund":
        text = _("⚖️ The dispute on {order} was resolved: the buyer gets a full refund.")
    else:
        text = _(
            "⚖️ The dispute on {order} was resolved by a split: {percent}% ({refunded}) back to "
            "the buyer, {net} to the seller."
        )
    refunded = amount(n, n.refunded_minor) if n.refunded_minor is not None else ""
    net = amount(n, n.net_minor) if n.net_minor is not None else ""
    percent = n.percent if n.percent is not None else ""
    return OutgoingMessage(
        text.format(order=heading(n), percent=percent, refunded=refunded, net=net)
    )


def render_reviewed(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(Reviewed, p)
    comment = f"\n<i>{escape(n.comment)}</i>" if n.comment else ""
    text = _("{stars} New review on {order}.", stars="⭐" * int(n.rating), order=heading(n))
    return OutgoingMessage(text + comment)


def _with_open(template: str, kind: type[OrderNotice]) -> Renderer:
    """A one-line notice with the Open button; `kind`'s fields fill the placeholders it has
    (a kind without a field leaves that placeholder to its blank)."""

    def render(_: Translator, p: Payload) -> OutgoingMessage:
        n = payload_of(kind, p)
        text = _(
            template,
            order=heading(n),
            due=when(getattr(n, "due_at", None)),
            at=when(getattr(n, "auto_complete_at", None)),
            reason=escape(getattr(n, "reason", "")),
            closes=when(getattr(n, "closes_at", None)),
        )
        return OutgoingMessage(text, (open_row(_, n.order_id),))

    return render


def _review_reminder(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(ReviewReminder, p)
    text = _(
        "⭐ You can still review {order} until {closes}.",
        order=heading(n),
        closes=when(n.closes_at),
    )
    return OutgoingMessage(text, (stars_row(n.order_id),))


def _cancelled(_: Translator, p: Payload) -> OutgoingMessage:
    n = payload_of(Cancelled, p)
    reasons = {
        "cancel_before_start": _("the buyer cancelled it before work started"),
        "cancel_late": _("the buyer cancelled it because it was late"),
        "mutual_cancel": _("both sides agreed"),
        "mutual_timeout": _("a cancellation request was not answered in time"),
    }
    text = _(
        "❌ {order} is cancelled: {why}. The buyer gets a full refund of {total}.",
        order=heading(n),
        why=reasons.get(str(n.reason), ""),
        total=amount(n, n.total_minor),
    )
    return OutgoingMessage(text)


RENDERERS: Mapping[str, Renderer] = {
    "order.part": render_part,
    "order.chat": render_chat,
    "order.delivered": render_delivered,
    "order.completed_buyer": render_completed_buyer,
    "order.completed_seller": render_completed_seller,
    "order.cancelled": _cancelled,
    "order.cancel_requested": render_cancel_requested,
    "order.cancel_declined": _with_open(
        N_("Your request to cancel {order} was declined."), OrderNotice
    ),
    "order.extension_requested": render_extension_requested,
    "order.extension_answered": render_extension_answered,
    "order.late_buyer": render_late_buyer,
    "order.late_seller": _with_open(
        N_("⏰ {order} was due {due}. The buyer may now cancel it for a full refund."), DueNotice
    ),
    "order.due_soon": _with_open(N_("⏳ Reminder: {order} is due {due}."), DueNotice),
    "order.auto_complete_soon": _with_open(
        N_(
            "⏳ {order} completes automatically at {at} and the seller is paid. Approve, ask "
            "for a revision or open a dispute before then."
        ),
        AutoCompleteSoon,
    ),
    "order.revision": _with_open(
        N_("🔁 The buyer asks for a revision of {order}:\n<i>{reason}</i>\nNew due date: {due}."),
        RevisionNotice,
    ),
    "order.dispute_opened": _with_open(
        N_(
            "⚖️ A dispute was opened on {order}:\n<i>{reason}</i>\nThe order is frozen until an "
            "operator decides."
        ),
        DisputeOpened,
    ),
    "dispute.case": render_dispute_case,
    "order.dispute_resolved": render_dispute_resolved,
    "order.reviewed": render_reviewed,
    "order.review_reminder": _review_reminder,
}


def register(app: AnyApplication) -> None:
    renderers = deps_of(app).renderers
    for kind, renderer in RENDERERS.items():
        renderers.register(kind, renderer)
