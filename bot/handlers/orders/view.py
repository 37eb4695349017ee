"""My orders, one order's card with the actions allowed now, its history, and the order chat.

The buttons on an order come from the state machine (`allowed_events` through the service),
so what a user can tap is exactly what the service would accept. Dates are shown in the user's
time zone (profile; UTC by default). The chat relays one message per "Message" tap, through
the bot, so neither side sees the other's username.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import CallbackAction
from bot.domain.money import Money
from bot.domain.order import ORDER_STATUS_LABELS, Actor, OrderEvent, OrderStatus
from bot.domain.timezones import resolve_zone
from bot.handlers.context import AnyApplication, AnyContext, deps, deps_of, translator
from bot.handlers.orders.buttons import (
    APPROVE,
    CANCEL_LATE,
    CANCEL_START,
    CHAT,
    DELIVER_START,
    DISPUTE_OPEN,
    EXTENSION_ANSWER,
    EXTENSION_ASK,
    HISTORY,
    MUTUAL_ANSWER,
    MUTUAL_CANCEL,
    MY_ORDERS,
    ORDER_OPEN,
    REVISION,
)
from bot.handlers.orders.delivery import message_part, tapped
from bot.handlers.orders.notices import history_text
from bot.handlers.orders.payments import DECLINE
from bot.handlers.replies import acknowledge, reply
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.orders.chat import OrderChatService, OrderView
from bot.services.progress import Progress
from bot.telegram.messages import Button, OutgoingMessage, escape, truncate

CHAT_FLOW = "ochat"

#: State-machine events shown as buttons on the order card, with their label.
EVENT_BUTTONS: Mapping[OrderEvent, tuple[CallbackAction, str]] = {
    OrderEvent.deliver: (DELIVER_START, N_("📦 Deliver work")),
    OrderEvent.approve: (APPROVE, N_("👍 Approve")),
    OrderEvent.request_revision: (REVISION, N_("🔁 Request a revision")),
    OrderEvent.decline: (DECLINE, N_("Decline")),
    OrderEvent.cancel_before_start: (CANCEL_START, N_("Cancel (full refund)")),
    OrderEvent.cancel_late: (CANCEL_LATE, N_("Cancel: late (full refund)")),
    OrderEvent.open_dispute: (DISPUTE_OPEN, N_("⚖️ Open a dispute")),
}


def local_time(moment: datetime | None, timezone: str) -> str:
    """`moment` in the user's zone, named after it (UTC when the zone is not one we know)."""
    if moment is None:
        return "—"
    zone = resolve_zone(timezone)
    if zone is None:
        zone, timezone = UTC, "UTC"
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M ") + timezone


def order_card(_: Translator, view: OrderView) -> OutgoingMessage:
    order, oid = view.order, view.order.id
    other = _("the seller") if view.role is Actor.buyer else _("the buyer")
    lines = [
        f"#{oid} <b>{escape(order.snapshot.get('title', ''))}</b>",
        _("Status: {status}", status=_(ORDER_STATUS_LABELS[OrderStatus(order.status)])),
        _("Total: {total}", total=escape(Money(order.total_minor, order.currency).format())),
        _("Due: {due}", due=local_time(order.due_at, view.timezone)),
    ]
    if order.status == OrderStatus.delivered:
        lines.append(
            _("Completes automatically: {at}", at=local_time(order.auto_complete_at, view.timezone))
        )
    if order.revisions_allowed is not None:
        lines.append(
            _(
                "Revisions used: {used} of {allowed}",
                used=order.revisions_used,
                allowed=order.revisions_allowed,
            )
        )
    rows: list[tuple[Button, ...]] = []
    for event in view.events:
        if event in EVENT_BUTTONS:
            button, label = EVENT_BUTTONS[event]
            rows.append((Button(_(label), button.pack(order=oid)),))
    if view.answer_cancel:
        lines.append(_("{other} asked to cancel this order.", other=other).capitalize())
        rows.append((
            Button(_("Accept the cancellation"), MUTUAL_ANSWER.pack(order=oid, yes=True)),
            Button(_("Decline"), MUTUAL_ANSWER.pack(order=oid, yes=False)),
        ))  # fmt: skip
    elif view.can_ask_cancel:
        rows.append((Button(_("Ask to cancel"), MUTUAL_CANCEL.pack(order=oid)),))
    if view.answer_extension:
        lines.append(_("The seller asks for {days} more day(s).", days=order.extension_days))
        rows.append((
            Button(_("Give more time"), EXTENSION_ANSWER.pack(order=oid, yes=True)),
            Button(_("Refuse"), EXTENSION_ANSWER.pack(order=oid, yes=False)),
        ))  # fmt: skip
    if view.can_ask_extension:
        rows.append((Button(_("⏳ Ask for more time"), EXTENSION_ASK.pack(order=oid)),))
    if view.can_chat:
        label = (
            _("💬 Message the seller") if view.role is Actor.buyer else _("💬 Message the buyer")
        )
        rows.append((Button(label, CHAT.pack(order=oid)),))
    rows.append((Button(_("📜 History"), HISTORY.pack(order=oid)),))
    return OutgoingMessage("\n".join(lines), tuple(rows))


async def orders_command(update: Update, context: AnyContext) -> None:
    _ = translator(update, context)
    rows = (
        (Button(_("🛒 As buyer"), MY_ORDERS.pack(seller=0)),),
        (Button(_("💼 As seller"), MY_ORDERS.pack(seller=1)),),
    )
    await reply(update, context, OutgoingMessage(_("📋 My orders"), rows))


async def list_orders(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, MY_ORDERS)
    orders = await deps(context).service(OrderChatService).my_orders(user_id, bool(data["seller"]))
    _ = translator(update, context)
    await acknowledge(update)
    if not orders:
        await reply(update, context, OutgoingMessage(_("You have no orders here yet.")))
        return
    rows = tuple(
        (
            Button(
                truncate(
                    f"#{o.id} · {_(ORDER_STATUS_LABELS[OrderStatus(o.status)])} · "
                    f"{o.snapshot.get('title', '')}",
                    60,
                ),
                ORDER_OPEN.pack(order=o.id),
            ),
        )
        for o in orders
    )
    await reply(update, context, OutgoingMessage(_("📋 Your orders (open ones first):"), rows))


async def open_order(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, ORDER_OPEN)
    view = await deps(context).service(OrderChatService).view(data["order"], user_id)
    await acknowledge(update)
    await reply(update, context, order_card(translator(update, context), view))


async def show_history(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, HISTORY)
    lines = await deps(context).service(OrderChatService).history(data["order"], user_id)
    _ = translator(update, context)
    await acknowledge(update)
    text = (
        _("📜 History of order #{order_id}", order_id=data["order"]) + "\n" + history_text(_, lines)
    )
    await reply(update, context, OutgoingMessage(text))  # split by the notifier when long


async def start_chat(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, CHAT)
    view = await deps(context).service(OrderChatService).view(data["order"], user_id)
    await deps(context).progress.save(
        user_id, Progress(CHAT_FLOW, "message", {"order": view.order.id})
    )
    _ = translator(update, context)
    await acknowledge(update)
    other = _("the seller") if view.role is Actor.buyer else _("the buyer")
    text = _(
        "💬 Send your message to {other} (text, a photo or a file). It goes through the bot; "
        "contact details are not shared.",
        other=other,
    )
    await reply(update, context, OutgoingMessage(text))


async def chat_message(update: Update, context: AnyContext, progress: Progress) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    part = message_part(message)
    relayed = (
        await deps(context)
        .service(OrderChatService)
        .relay(
            int(progress.data["order"]),
            user.id,
            message.message_id,
            text=part["text"],
            file_kind="" if part["kind"] == "text" else part["kind"],
            file_id=part["file_id"],
            name=part["name"],
        )
    )
    await deps(context).progress.clear(user.id)
    _ = translator(update, context)
    text = _("✉️ Sent.")
    if relayed.masked:
        text += "\n" + _(
            "Contact details were hidden: deals agreed outside Gig Broker lose the buyer's "
            "protection (escrow and disputes)."
        )
    again = Button(_("💬 Write again"), CHAT.pack(order=relayed.order_id))
    await reply(update, context, OutgoingMessage(text, ((again,),)))


def register(app: AnyApplication) -> None:
    deps_of(app).steps[CHAT_FLOW] = chat_message
    app.add_handler(CommandHandler("orders", orders_command, filters.ChatType.PRIVATE))
    for button, handler in (
        (MY_ORDERS, list_orders),
        (ORDER_OPEN, open_order),
        (HISTORY, show_history),
        (CHAT, start_chat),
    ):
        app.add_handler(CallbackQueryHandler(handler, pattern=button.pattern))
