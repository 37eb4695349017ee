"""Payments in chat: pre-checkout, successful payment, the seller's Decline, /payouts, and the
renderers of every order and money notification (they are sent later by the outbox).

Thin on purpose: each handler parses the update, calls one service and answers; refusals are
raised and turned into the user's language by the one error handler (for a pre-checkout query
that means answering ok=False with the reason, within Telegram's 10 seconds).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import (
    filters,
)

from bot.callbacks import action
from bot.domain.money import Money
from bot.handlers.context import AnyApplication, AnyContext, deps, deps_of
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.money.invoices import InvoiceKind
from bot.services.money.journal import ORDER_PAYMENT, TELEGRAM_REFUND, JournalService
from bot.services.money.journal_appliers import telegram_payment_row, telegram_refund_row
from bot.services.money.payments import REQUIREMENT_FILE, PaymentService, parse_payload
from bot.services.notices import (
    NewForSeller,
    OpsAlert,
    PaymentNotice,
    RequirementFile,
    payload_of,
)
from bot.services.orders.ordering import OrderService
from bot.services.payouts.settlement import Owed, PayoutService
from bot.services.ports import TelegramIdentity
from bot.telegram.messages import MAX_CAPTION, Button, OutgoingMessage, escape, truncate

DECLINE = action("odecl", order=int)
SETTLE = action("osettle", seller=int, currency=str, amount=int)


def _when(value: object) -> str:
    return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def render_new_for_seller(_: Translator, p: Mapping[str, Any]) -> OutgoingMessage:
    n = payload_of(NewForSeller, p)
    answers = "\n".join(f"• <i>{escape(q)}</i>\n  {escape(a)}" for q, a in n.answers) or _(
        "(no answers)"
    )
    text = _(
        "🎉 New order {order}, paid {total} (held in escrow).\nDeliver by {due}.\n\n"
        "<b>Requirements</b>\n{answers}\n\nYou can decline until {until}; the buyer is then "
        "refunded in full.",
        order=f"#{n.order_id} <b>{escape(n.title)}</b>",
        total=escape(Money(n.total_minor, n.currency).format()),
        due=_when(n.due_at),
        answers=answers,
        until=_when(n.decline_until),
    )
    return OutgoingMessage(text, ((Button(_("Decline"), DECLINE.pack(order=n.order_id)),),))


def render_requirement_file(_: Translator, p: Mapping[str, Any]) -> OutgoingMessage:
    """One file the buyer answered a requirement with, re-sent by its file_id."""
    n = payload_of(RequirementFile, p)
    file = n.file
    caption = _(
        "📎 {order}\n<i>{question}</i>",
        order=f"#{n.order_id} <b>{escape(n.title)}</b>",
        question=escape(truncate(str(n.question), 300)),
    )
    if file.get("file_name"):
        caption += "\n" + escape(truncate(str(file["file_name"]), 200))
    caption = truncate(caption, MAX_CAPTION)
    if file.get("type") == "photo":
        return OutgoingMessage(caption, photo=str(file["file_id"]))
    return OutgoingMessage(caption, document=str(file["file_id"]))


def _simple(template: str) -> Any:
    def render(_: Translator, p: Mapping[str, Any]) -> OutgoingMessage:
        notice = payload_of(PaymentNotice, p)
        total = Money(notice.total_minor, notice.currency)
        refunded = total
        if notice.refunded_minor is not None:
            refunded = Money(notice.refunded_minor, notice.currency)
        return OutgoingMessage(
            _(
                template,
                order=f"#{notice.order_id} <b>{escape(notice.title)}</b>",
                total=escape(total.format()),
                refunded=escape(refunded.format()),
                due=_when(notice.due_at),
            )
        )

    return render


RENDERERS = {
    "order.new_for_seller": render_new_for_seller,
    REQUIREMENT_FILE: render_requirement_file,
    "order.receipt": _simple(
        N_(
            "🧾 Payment received: {total} for {order}. The money is held in escrow until you "
            "approve the delivery. Expected by {due}."
        )
    ),
    "order.expired": _simple(N_("⌛ The invoice for {order} expired unpaid; the order is closed.")),
    "order.declined": _simple(N_("The seller declined {order}. You get a full refund of {total}.")),
    "order.refunded": _simple(N_("↩️ {refunded} for {order} has been refunded to you.")),
    "order.refund_by_operator": _simple(
        N_(
            "↩️ Your refund of {refunded} for {order} cannot be sent automatically; an operator "
            "is handling it and will make sure you get it back."
        )
    ),
    "order.paid_twice": _simple(
        N_(
            "You paid for {order} twice. The second payment of {refunded} is being refunded "
            "to you; the order itself stays paid."
        )
    ),
    "order.paid_late": _simple(
        N_("Your payment for {order} arrived after the order had closed; it will be refunded.")
    ),
}


def render_ops_alert(_: Translator, p: Mapping[str, Any]) -> OutgoingMessage:
    n = payload_of(OpsAlert, p)
    params = {k: escape(v) for k, v in dict(n.params).items()}
    return OutgoingMessage("⚠️ " + _(str(n.message), **params))


routes = Routes()


@routes.pre_checkout(InvoiceKind.ORDER, also_unknown=True)
async def pre_checkout(update: Update, payments: PaymentService) -> None:
    """An order's invoice; a payload of no kind of ours is refused here, clearly."""
    query = update.pre_checkout_query
    if query is None:
        return
    await payments.check_pre_checkout(
        parse_payload(query.invoice_payload),
        query.from_user.id,
        query.total_amount,
        query.currency,
    )
    await query.answer(ok=True)


@routes.payment(InvoiceKind.ORDER, also_unknown=True)
async def successful_payment(update: Update, context: AnyContext) -> None:
    """Journal the payment first (its own transaction), then book it.

    Once the journal row is written the payment cannot be lost: if booking fails now, the
    update is left unfinished (redelivered in webhook mode) and the journal's sweep books it.
    """
    await journal_payment(update, context, ORDER_PAYMENT)


async def journal_payment(update: Update, context: AnyContext, kind: str) -> None:
    """Store a `successful_payment` (an order's or a tip's) in the journal, then apply it.

    A domain refusal is raised to the error handler (the buyer is told); any other failure is
    raised too, after the journal recorded it, so the update is not marked finished.
    """
    message = update.effective_message
    if message is None or message.successful_payment is None or message.from_user is None:
        return
    source, external_id, payload = telegram_payment_row(
        message.from_user.id, message.successful_payment.to_dict(), update.update_id
    )
    journal = deps(context).service(JournalService)
    entry = await journal.store(source, external_id, kind, payload)
    await journal.apply_now(entry)


@routes.message(filters.StatusUpdate.REFUNDED_PAYMENT)
async def refunded_payment(update: Update, context: AnyContext) -> None:
    """A refund Telegram reports: journaled, then checked against our own refunds."""
    message = update.effective_message
    if message is None or message.refunded_payment is None or message.from_user is None:
        return
    source, external_id, payload = telegram_refund_row(
        message.from_user.id, message.refunded_payment.to_dict(), update.update_id
    )
    journal = deps(context).service(JournalService)
    await journal.apply_now(await journal.store(source, external_id, TELEGRAM_REFUND, payload))


@routes.button(DECLINE)
async def decline(
    order: int, user: TelegramIdentity, _: Translator, orders: OrderService, update: Update
) -> None:
    await orders.seller_decline(order, user.id)
    assert update.callback_query is not None
    await update.callback_query.answer(_("Declined. The buyer is being refunded."))


def _seller_name(item: Owed) -> str:
    """The seller as an operator recognises them: name, @username, and the id to be sure."""
    if item.seller is None:
        return f"#{item.seller_id}"
    name = f"<b>{escape(item.seller.public_name)}</b>"
    if item.seller.username:
        name += f" @{escape(item.seller.username)}"
    return f"{name} (#{item.seller_id})"


@routes.command("payouts", filters.ChatType.PRIVATE)
async def payouts_command(
    update: Update, user: TelegramIdentity, _: Translator, payouts: PayoutService
) -> None:
    message = update.effective_message
    if message is None:
        return
    owed = await payouts.owed(user.id)
    if not owed:
        await message.reply_html(_("Nothing is owed to any seller."))
        return
    for item in owed:
        await message.reply_html(
            _(
                "Seller {seller} is owed {amount}.",
                seller=_seller_name(item),
                amount=escape(item.amount.format()),
            ),
            reply_markup=OutgoingMessage(
                "",
                (
                    (
                        Button(
                            _("Mark as settled"),
                            SETTLE.pack(
                                seller=item.seller_id,
                                currency=item.amount.currency,
                                amount=item.amount.amount_minor,
                            ),
                        ),
                    ),
                ),
            ).markup(),
        )


@routes.button(SETTLE)
async def settle(
    seller: int,
    currency: str,
    amount: int,
    user: TelegramIdentity,
    _: Translator,
    payouts: PayoutService,
    update: Update,
) -> None:
    await payouts.settle(user.id, seller, Money(amount, currency))
    assert update.callback_query is not None
    await update.callback_query.answer(_("Settlement recorded."))


def register(app: AnyApplication) -> None:
    dependencies = deps_of(app)
    for kind, renderer in RENDERERS.items():
        dependencies.renderers.register(kind, renderer)
    dependencies.renderers.register("ops.alert", render_ops_alert)
    routes.register(app)
