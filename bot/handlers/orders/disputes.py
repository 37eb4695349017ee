"""Disputes in chat: a side opens one (reason, then optional evidence); operators resolve it.

The reason and evidence are collected in the user's conversation progress, then
`DisputeService.open_dispute` freezes the order and sends operators the case. Operators resolve
with buttons (a split asks them to type the buyer's percentage); the service refuses anyone who
is not in ADMIN_IDS, so a forged resolve button does nothing.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.errors import ValidationFailed
from bot.handlers.context import AnyApplication, AnyContext, deps, deps_of, translator
from bot.handlers.orders.buttons import DISPUTE_OPEN, DISPUTE_SUBMIT, RESOLVE
from bot.handlers.orders.delivery import message_part, tapped
from bot.handlers.replies import acknowledge, reply
from bot.i18n.markers import N_
from bot.services.orders.access import MAX_PARTS
from bot.services.orders.chat import OrderChatService
from bot.services.orders.disputes import DisputeService
from bot.services.progress import Progress
from bot.telegram.messages import Button, OutgoingMessage

DISPUTE_FLOW, SPLIT_FLOW = "dispute", "split"


async def open_dispute(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, DISPUTE_OPEN)
    view = await deps(context).service(OrderChatService).view(data["order"], user_id)
    _ = translator(update, context)
    await acknowledge(update)
    await deps(context).progress.save(
        user_id, Progress(DISPUTE_FLOW, "reason", {"order": view.order.id, "parts": []})
    )
    await reply(update, context, OutgoingMessage(_("⚖️ What went wrong? Please type the reason.")))


async def dispute_step(update: Update, context: AnyContext, progress: Progress) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    _ = translator(update, context)
    order_id = int(progress.data["order"])
    if progress.step == "reason":
        if not message.text:
            raise ValidationFailed(N_("Please type the reason first."))
        progress.data["reason"] = message.text
        progress.step = "evidence"
        text = _("Send screenshots or files as evidence (optional), then tap Submit.")
    else:
        parts = progress.data.setdefault("parts", [])
        if len(parts) >= MAX_PARTS:
            raise ValidationFailed(
                N_("One delivery can hold at most {max} messages."), max=MAX_PARTS
            )
        parts.append(message_part(message))
        text = _("Evidence received: {count}. Send more or tap Submit.", count=len(parts))
    await deps(context).progress.save(user.id, progress)
    button = Button(_("📨 Submit the dispute"), DISPUTE_SUBMIT.pack(order=order_id))
    await reply(update, context, OutgoingMessage(text, ((button,),)))


async def submit_dispute(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, DISPUTE_SUBMIT)
    progress = await deps(context).progress.get(user_id)
    if (
        progress is None
        or progress.flow != DISPUTE_FLOW
        or progress.data.get("order") != data["order"]
        or "reason" not in progress.data
    ):
        raise ValidationFailed(N_("This dispute form is no longer open. Open the order again."))
    await (
        deps(context)
        .service(DisputeService)
        .open_dispute(
            data["order"], user_id, str(progress.data["reason"]), progress.data.get("parts", [])
        )
    )
    await deps(context).progress.clear(user_id)
    _ = translator(update, context)
    await acknowledge(update)
    text = _("⚖️ Dispute opened. The order is frozen; an operator will decide and tell you both.")
    await reply(update, context, OutgoingMessage(text))


async def resolve(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, RESOLVE)
    service = deps(context).service(DisputeService)
    _ = translator(update, context)
    outcome = data["outcome"]
    if outcome == "release":
        await service.release(data["order"], user_id)
        await acknowledge(update, _("Released to the seller."))
    elif outcome == "refund":
        await service.refund(data["order"], user_id)
        await acknowledge(update, _("The buyer is being refunded."))
    elif outcome == "split":
        await service.case(data["order"], user_id)  # operators only, and the order exists
        await deps(context).progress.save(
            user_id, Progress(SPLIT_FLOW, "percent", {"order": data["order"]})
        )
        await acknowledge(update)
        text = _(
            "Type the buyer's share in percent (0-100): the buyer gets that share of the price "
            "and of the fees they paid back; the seller gets the rest of the price less the "
            "order's commission."
        )
        await reply(update, context, OutgoingMessage(text))
    else:
        raise ValidationFailed()


async def split_percent(update: Update, context: AnyContext, progress: Progress) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    raw = (message.text or "").strip().rstrip("%").strip()
    if not raw.isdigit():
        raise ValidationFailed(N_("Please type a percentage from 0 to 100."))
    order_id = int(progress.data["order"])
    await deps(context).service(DisputeService).split(order_id, user.id, int(raw))
    await deps(context).progress.clear(user.id)
    _ = translator(update, context)
    text = _(
        "Split recorded: {percent}% back to the buyer of order #{order_id}.",
        percent=int(raw),
        order_id=order_id,
    )
    await reply(update, context, OutgoingMessage(text))


def register(app: AnyApplication) -> None:
    dependencies = deps_of(app)
    dependencies.steps[DISPUTE_FLOW] = dispute_step
    dependencies.steps[SPLIT_FLOW] = split_percent
    for button, handler in (
        (DISPUTE_OPEN, open_dispute),
        (DISPUTE_SUBMIT, submit_dispute),
        (RESOLVE, resolve),
    ):
        app.add_handler(CallbackQueryHandler(handler, pattern=button.pattern))
