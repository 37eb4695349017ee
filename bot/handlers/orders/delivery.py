"""Delivery in chat: the seller collects the work, taps Deliver; the buyer approves or asks again.

The messages the seller sends after "Deliver work" (texts, photos, files) are collected in the
seller's conversation progress (database), so a delivery of several messages survives a restart
and becomes one delivery when "Deliver" is tapped. A revision asks for the reason the same way.
"""

from __future__ import annotations

from typing import Any

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler

from bot.callbacks import CallbackAction
from bot.errors import ValidationFailed
from bot.handlers.context import AnyApplication, AnyContext, deps, deps_of, translator
from bot.handlers.orders.buttons import APPROVE, DELIVER_SEND, DELIVER_START, REVISION
from bot.handlers.replies import acknowledge, reply
from bot.i18n.markers import N_
from bot.services.orders.access import MAX_PARTS
from bot.services.orders.delivery import DeliveryService
from bot.services.progress import Progress
from bot.telegram.messages import Button, OutgoingMessage

DELIVER_FLOW, REVISION_FLOW = "deliver", "revision"


def tapped(update: Update, button: CallbackAction) -> tuple[int, dict[str, Any]]:
    """The tapping user's id and the button's fields (a forged button fails in the codec)."""
    query = update.callback_query
    assert query is not None
    return query.from_user.id, button.unpack(query.data or "")


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


async def start_delivery(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, DELIVER_START)
    await deps(context).service(DeliveryService).start_work(data["order"], user_id)
    await deps(context).progress.save(
        user_id, Progress(DELIVER_FLOW, "collect", {"order": data["order"], "parts": []})
    )
    _ = translator(update, context)
    await acknowledge(update)
    text = _(
        "📦 Send the work for order #{order_id}: texts, files and photos, as many messages as "
        "you need (up to {max}). Then tap Deliver.",
        order_id=data["order"],
        max=MAX_PARTS,
    )
    await reply(update, context, OutgoingMessage(text))


async def collect_part(update: Update, context: AnyContext, progress: Progress) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    parts: list[Any] = progress.data.setdefault("parts", [])
    if len(parts) >= MAX_PARTS:
        raise ValidationFailed(N_("One delivery can hold at most {max} messages."), max=MAX_PARTS)
    parts.append(message_part(message))
    await deps(context).progress.save(user.id, progress)
    _ = translator(update, context)
    order_id = int(progress.data["order"])
    text = _("Received {count} message(s). Send more, or tap Deliver.", count=len(parts))
    button = Button(_("✅ Deliver"), DELIVER_SEND.pack(order=order_id))
    await reply(update, context, OutgoingMessage(text, ((button,),)))


async def send_delivery(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, DELIVER_SEND)
    progress = await deps(context).progress.get(user_id)
    if (
        progress is None
        or progress.flow != DELIVER_FLOW
        or progress.data.get("order") != data["order"]
    ):
        raise ValidationFailed(N_("This delivery is no longer open. Open the order again."))
    await (
        deps(context)
        .service(DeliveryService)
        .deliver(data["order"], user_id, progress.data.get("parts", []))
    )
    await deps(context).progress.clear(user_id)
    _ = translator(update, context)
    await acknowledge(update)
    await reply(
        update, context, OutgoingMessage(_("Delivered. The buyer has been sent your work."))
    )


async def approve(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, APPROVE)
    await deps(context).service(DeliveryService).approve(data["order"], user_id)
    _ = translator(update, context)
    await acknowledge(update, _("Approved. The seller is paid."))


async def ask_revision(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, REVISION)
    await deps(context).service(DeliveryService).check_revision(data["order"], user_id)
    await deps(context).progress.save(
        user_id, Progress(REVISION_FLOW, "reason", {"order": data["order"]})
    )
    _ = translator(update, context)
    await acknowledge(update)
    await reply(
        update, context, OutgoingMessage(_("What should the seller change? Please type it."))
    )


async def revision_reason(update: Update, context: AnyContext, progress: Progress) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if not message.text:
        raise ValidationFailed(N_("Please type what should change."))
    order = (
        await deps(context)
        .service(DeliveryService)
        .request_revision(int(progress.data["order"]), user.id, message.text)
    )
    await deps(context).progress.clear(user.id)
    _ = translator(update, context)
    text = _(
        "🔁 Revision requested for order #{order_id}. The seller has been told.", order_id=order.id
    )
    await reply(update, context, OutgoingMessage(text))


def register(app: AnyApplication) -> None:
    dependencies = deps_of(app)
    dependencies.steps[DELIVER_FLOW] = collect_part
    dependencies.steps[REVISION_FLOW] = revision_reason
    for button, handler in (
        (DELIVER_START, start_delivery),
        (DELIVER_SEND, send_delivery),
        (APPROVE, approve),
        (REVISION, ask_revision),
    ):
        app.add_handler(CallbackQueryHandler(handler, pattern=button.pattern))
