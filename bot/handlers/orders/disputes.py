"""Disputes in chat: a side opens one (reason, then optional evidence); operators resolve it.

The reason and evidence are collected in the user's conversation progress, then
`DisputeService.open_dispute` freezes the order and sends operators the case. Operators resolve
with buttons (a split asks them to type the buyer's percentage); the service refuses anyone who
is not in ADMIN_IDS, so a forged resolve button does nothing.
"""

from __future__ import annotations

from telegram import Update

from bot.errors import ValidationFailed
from bot.handlers.context import AnyApplication, AnyContext
from bot.handlers.orders.buttons import DISPUTE_OPEN, DISPUTE_SUBMIT, RESOLVE, Outcome
from bot.handlers.orders.delivery import message_part
from bot.handlers.replies import acknowledge, reply
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.orders.access import MAX_PARTS
from bot.services.orders.chat import OrderChatService
from bot.services.orders.disputes import DisputeService
from bot.services.ports import TelegramIdentity
from bot.services.progress import Progress, ProgressStore
from bot.telegram.messages import Button, OutgoingMessage

DISPUTE_FLOW, SPLIT_FLOW = "dispute", "split"


routes = Routes()


@routes.button(DISPUTE_OPEN)
async def open_dispute(
    order: int,
    user: TelegramIdentity,
    _: Translator,
    chat: OrderChatService,
    progress: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    view = await chat.view(order, user.id)
    await acknowledge(update)
    await progress.save(
        user.id, Progress(DISPUTE_FLOW, "reason", {"order": view.order.id, "parts": []})
    )
    await reply(update, context, OutgoingMessage(_("⚖️ What went wrong? Please type the reason.")))


@routes.step(DISPUTE_FLOW)
async def dispute_step(
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
    await store.save(user.id, progress)
    button = Button(_("📨 Submit the dispute"), DISPUTE_SUBMIT.pack(order=order_id))
    await reply(update, context, OutgoingMessage(text, ((button,),)))


@routes.button(DISPUTE_SUBMIT)
async def submit_dispute(
    order: int,
    user: TelegramIdentity,
    _: Translator,
    disputes: DisputeService,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    progress = await store.get(user.id)
    if (
        progress is None
        or progress.flow != DISPUTE_FLOW
        or progress.data.get("order") != order
        or "reason" not in progress.data
    ):
        raise ValidationFailed(N_("This dispute form is no longer open. Open the order again."))
    await disputes.open_dispute(
        order, user.id, str(progress.data["reason"]), progress.data.get("parts", [])
    )
    await store.clear(user.id)
    await acknowledge(update)
    text = _("⚖️ Dispute opened. The order is frozen; an operator will decide and tell you both.")
    await reply(update, context, OutgoingMessage(text))


@routes.button(RESOLVE)
async def resolve(
    order: int,
    outcome: Outcome,
    user: TelegramIdentity,
    _: Translator,
    disputes: DisputeService,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    if outcome is Outcome.RELEASE:
        await disputes.release(order, user.id)
        await acknowledge(update, _("Released to the seller."))
    elif outcome is Outcome.REFUND:
        await disputes.refund(order, user.id)
        await acknowledge(update, _("The buyer is being refunded."))
    else:
        await disputes.case(order, user.id)  # operators only, and the order exists
        await store.save(user.id, Progress(SPLIT_FLOW, "percent", {"order": order}))
        await acknowledge(update)
        text = _(
            "Type the buyer's share in percent (0-100): the buyer gets that share of the price "
            "and of the fees they paid back; the seller gets the rest of the price less the "
            "order's commission."
        )
        await reply(update, context, OutgoingMessage(text))


@routes.step(SPLIT_FLOW)
async def split_percent(
    progress: Progress,
    user: TelegramIdentity,
    _: Translator,
    disputes: DisputeService,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    message = update.effective_message
    if message is None:
        return
    raw = (message.text or "").strip().rstrip("%").strip()
    if not raw.isdigit():
        raise ValidationFailed(N_("Please type a percentage from 0 to 100."))
    order_id = int(progress.data["order"])
    await disputes.split(order_id, user.id, int(raw))
    await store.clear(user.id)
    text = _(
        "Split recorded: {percent}% back to the buyer of order #{order_id}.",
        percent=int(raw),
        order_id=order_id,
    )
    await reply(update, context, OutgoingMessage(text))


def register(app: AnyApplication) -> None:
    routes.register(app)
