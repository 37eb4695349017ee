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
from telegram.ext import filters

from bot.callbacks import CallbackAction
from bot.domain.money import Money
from bot.domain.order import ORDER_STATUS_LABELS, Actor, OrderEvent, OrderStatus
from bot.domain.timezones import resolve_zone
from bot.handlers.context import AnyApplication, AnyContext
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
from bot.handlers.orders.delivery import message_part
from bot.handlers.orders.notices import history_text
from bot.handlers.orders.payments import DECLINE
from bot.handlers.replies import acknowledge, reply
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.orders.chat import OrderChatService, OrderView
from bot.services.ports import TelegramIdentity
from bot.services.progress import Progress, ProgressStore
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


routes = Routes()


@routes.command("orders", filters.ChatType.PRIVATE)
async def orders_command(_: Translator, update: Update, context: AnyContext) -> None:
    rows = (
        (Button(_("🛒 As buyer"), MY_ORDERS.pack(seller=False)),),
        (Button(_("💼 As seller"), MY_ORDERS.pack(seller=True)),),
    )
    await reply(update, context, OutgoingMessage(_("📋 My orders"), rows))


@routes.button(MY_ORDERS)
async def list_orders(
    seller: bool,
    user: TelegramIdentity,
    _: Translator,
    chat: OrderChatService,
    update: Update,
    context: AnyContext,
) -> None:
    orders = await chat.my_orders(user.id, seller)
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


@routes.button(ORDER_OPEN)
async def open_order(
    order: int,
    user: TelegramIdentity,
    _: Translator,
    chat: OrderChatService,
    update: Update,
    context: AnyContext,
) -> None:
    view = await chat.view(order, user.id)
    await acknowledge(update)
    await reply(update, context, order_card(_, view))


@routes.button(HISTORY)
async def show_history(
    order: int,
    user: TelegramIdentity,
    _: Translator,
    chat: OrderChatService,
    update: Update,
    context: AnyContext,
) -> None:
    lines = await chat.history(order, user.id)
    await acknowledge(update)
    text = _("📜 History of order #{order_id}", order_id=order) + "\n" + history_text(_, lines)
    await reply(update, context, OutgoingMessage(text))  # split by the notifier when long


@routes.button(CHAT)
async def start_chat(
    order: int,
    user: TelegramIdentity,
    _: Translator,
    chat: OrderChatService,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    view = await chat.view(order, user.id)
    await store.save(user.id, Progress(CHAT_FLOW, "message", {"order": view.order.id}))
    await acknowledge(update)
    other = _("the seller") if view.role is Actor.buyer else _("the buyer")
    text = _(
        "💬 Send your message to {other} (text, a photo or a file). It goes through the bot; "
        "contact details are not shared.",
        other=other,
    )
    await reply(update, context, OutgoingMessage(text))


@routes.step(CHAT_FLOW)
async def chat_message(
    progress: Progress,
    user: TelegramIdentity,
    _: Translator,
    chat: OrderChatService,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    message = update.effective_message
    if message is None:
        return
    part = message_part(message)
    relayed = await chat.relay(
        int(progress.data["order"]),
        user.id,
        message.message_id,
        text=part["text"],
        file_kind="" if part["kind"] == "text" else part["kind"],
        file_id=part["file_id"],
        name=part["name"],
    )
    await store.clear(user.id)
    text = _("✉️ Sent.")
    if relayed.masked:
        text += "\n" + _(
            "Contact details were hidden: deals agreed outside Gig Broker lose the buyer's "
            "protection (escrow and disputes)."
        )
    again = Button(_("💬 Write again"), CHAT.pack(order=relayed.order_id))
    await reply(update, context, OutgoingMessage(text, ((again,),)))


def register(app: AnyApplication) -> None:
    routes.register(app)
