"""Delivery in chat: the seller collects the work, taps Deliver; the buyer approves or asks again.

The messages the seller sends after "Deliver work" (texts, photos, files) are collected in the
seller's conversation progress (database), so a delivery of several messages survives a restart
and becomes one delivery when "Deliver" is tapped. A revision asks for the reason the same way.
"""

from __future__ import annotations

from typing import Any

from telegram import Message, Update

from bot.errors import ValidationFailed
from bot.handlers.context import AnyApplication, AnyContext
from bot.handlers.orders.buttons import APPROVE, DELIVER_SEND, DELIVER_START, REVISION
from bot.handlers.replies import acknowledge, reply
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.orders.access import MAX_PARTS
from bot.services.orders.delivery import DeliveryService
from bot.services.ports import TelegramIdentity
from bot.services.progress import Progress, ProgressStore
from bot.telegram.messages import Button, OutgoingMessage

DELIVER_FLOW, REVISION_FLOW = "deliver", "revision"


def message_part(message: Message) -> dict[str, str]:
    """One message as a delivery/evidence part: text, or a photo/file by file_id."""
    caption = message.caption or ""
    if message.photo:
        return {"kind": "photo", "text": caption, "file_id": message.photo[-1].file_id, "name": ""}
    if message.document:
        document = message.document
        return {
            "kind": "document",
            "text": caption,
            "file_id": document.file_id,
            "name": document.file_name or "",
        }
    if message.text:
        return {"kind": "text", "text": message.text, "file_id": "", "name": ""}
    raise ValidationFailed(N_("Please send text, a photo or a file."))


routes = Routes()


@routes.button(DELIVER_START)
async def start_delivery(
    order: int,
    user: TelegramIdentity,
    _: Translator,
    delivery: DeliveryService,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    await delivery.start_work(order, user.id)
    await store.save(user.id, Progress(DELIVER_FLOW, "collect", {"order": order, "parts": []}))
    await acknowledge(update)
    text = _(
        "📦 Send the work for order #{order_id}: texts, files and photos, as many messages as "
        "you need (up to {max}). Then tap Deliver.",
        order_id=order,
        max=MAX_PARTS,
    )
    await reply(update, context, OutgoingMessage(text))


@routes.step(DELIVER_FLOW)
async def collect_part(
    progress: Progress,
    user: TelegramIdentity,
    _: Translator,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    message = update.effective_message
    if message is None:
        return
    parts: list[Any] = progress.data.setdefault("parts", [])
    if len(parts) >= MAX_PARTS:
        raise ValidationFailed(N_("One delivery can hold at most {max} messages."), max=MAX_PARTS)
    parts.append(message_part(message))
    await store.save(user.id, progress)
    order_id = int(progress.data["order"])
    text = _("Received {count} message(s). Send more, or tap Deliver.", count=len(parts))
    button = Button(_("✅ Deliver"), DELIVER_SEND.pack(order=order_id))
    await reply(update, context, OutgoingMessage(text, ((button,),)))


@routes.button(DELIVER_SEND)
async def send_delivery(
    order: int,
    user: TelegramIdentity,
    _: Translator,
    delivery: DeliveryService,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    progress = await store.get(user.id)
    if progress is None or progress.flow != DELIVER_FLOW or progress.data.get("order") != order:
        raise ValidationFailed(N_("This delivery is no longer open. Open the order again."))
    await delivery.deliver(order, user.id, progress.data.get("parts", []))
    await store.clear(user.id)
    await acknowledge(update)
    await reply(
        update, context, OutgoingMessage(_("Delivered. The buyer has been sent your work."))
    )


@routes.button(APPROVE)
async def approve(
    order: int, user: TelegramIdentity, _: Translator, delivery: DeliveryService, update: Update
) -> None:
    await delivery.approve(order, user.id)
    await acknowledge(update, _("Approved. The seller is paid."))


@routes.button(REVISION)
async def ask_revision(
    order: int,
    user: TelegramIdentity,
    _: Translator,
    delivery: DeliveryService,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    await delivery.check_revision(order, user.id)
    await store.save(user.id, Progress(REVISION_FLOW, "reason", {"order": order}))
    await acknowledge(update)
    await reply(
        update, context, OutgoingMessage(_("What should the seller change? Please type it."))
    )


@routes.step(REVISION_FLOW)
async def revision_reason(
    progress: Progress,
    user: TelegramIdentity,
    _: Translator,
    delivery: DeliveryService,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    message = update.effective_message
    if message is None:
        return
    if not message.text:
        raise ValidationFailed(N_("Please type what should change."))
    order = await delivery.request_revision(int(progress.data["order"]), user.id, message.text)
    await store.clear(user.id)
    text = _(
        "🔁 Revision requested for order #{order_id}. The seller has been told.", order_id=order.id
    )
    await reply(update, context, OutgoingMessage(text))


def register(app: AnyApplication) -> None:
    routes.register(app)
