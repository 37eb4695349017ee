"""Cancelling a paid order and asking for more time, by buttons.

Thin: each button calls one `CancellationService` use case, which checks that the tapping user
is the right side of the order and lets the state machine decide; refunds follow in the service.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.handlers.context import AnyApplication, AnyContext, deps, translator
from bot.handlers.orders.buttons import (
    CANCEL_LATE,
    CANCEL_START,
    EXTENSION_ANSWER,
    EXTENSION_ASK,
    EXTENSION_DAYS,
    MUTUAL_ANSWER,
    MUTUAL_CANCEL,
)
from bot.handlers.orders.delivery import tapped
from bot.handlers.replies import acknowledge, reply
from bot.i18n.catalogs import Translator
from bot.services.money.refunds import RefundService
from bot.services.orders.cancellation import EXTENSION_DAYS as DAY_CHOICES
from bot.services.orders.cancellation import CancellationService
from bot.services.ports import OrderRecord
from bot.telegram.messages import Button, OutgoingMessage


def _service(context: AnyContext) -> CancellationService:
    return deps(context).service(CancellationService)


def _refund_note(context: AnyContext, order: OrderRecord, _: Translator) -> str:
    """What the buyer may expect: never a refund "on its way" that nothing can send."""
    if deps(context).service(RefundService).cannot_refund(order) is None:
        return _("Cancelled. Your full refund is on its way.")
    return _("Cancelled. An operator is handling your refund.")


async def cancel_before_start(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, CANCEL_START)
    order = await _service(context).buyer_cancel(data["order"], user_id, late=False)
    await acknowledge(update, _refund_note(context, order, translator(update, context)))


async def cancel_late(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, CANCEL_LATE)
    order = await _service(context).buyer_cancel(data["order"], user_id, late=True)
    await acknowledge(update, _refund_note(context, order, translator(update, context)))


async def ask_mutual_cancel(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, MUTUAL_CANCEL)
    await _service(context).request_mutual_cancel(data["order"], user_id)
    _ = translator(update, context)
    await acknowledge(update, _("Asked. The other side can accept or decline."))


async def answer_mutual_cancel(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, MUTUAL_ANSWER)
    accept = bool(data["yes"])
    order = await _service(context).answer_mutual_cancel(data["order"], user_id, accept)
    _ = translator(update, context)
    if not accept:
        text = _("Declined.")
    elif deps(context).service(RefundService).cannot_refund(order) is None:
        text = _("Cancelled; the buyer's refund is on its way.")
    else:
        text = _("Cancelled; an operator is handling the buyer's refund.")
    await acknowledge(update, text)


async def ask_extension(update: Update, context: AnyContext) -> None:
    _user_id, data = tapped(update, EXTENSION_ASK)
    _ = translator(update, context)
    await acknowledge(update)
    row = tuple(
        Button(_("+{days} d", days=days), EXTENSION_DAYS.pack(order=data["order"], days=days))
        for days in DAY_CHOICES
    )
    await reply(update, context, OutgoingMessage(_("How many more days do you need?"), (row,)))


async def request_extension(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, EXTENSION_DAYS)
    await _service(context).request_extension(data["order"], user_id, data["days"])
    _ = translator(update, context)
    await acknowledge(update, _("Asked. The buyer can accept or decline."))


async def answer_extension(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, EXTENSION_ANSWER)
    accept = bool(data["yes"])
    await _service(context).answer_extension(data["order"], user_id, accept)
    _ = translator(update, context)
    await acknowledge(update, _("More time given.") if accept else _("Declined."))


def register(app: AnyApplication) -> None:
    for button, handler in (
        (CANCEL_START, cancel_before_start),
        (CANCEL_LATE, cancel_late),
        (MUTUAL_CANCEL, ask_mutual_cancel),
        (MUTUAL_ANSWER, answer_mutual_cancel),
        (EXTENSION_ASK, ask_extension),
        (EXTENSION_DAYS, request_extension),
        (EXTENSION_ANSWER, answer_extension),
    ):
        app.add_handler(CallbackQueryHandler(handler, pattern=button.pattern))
