"""Cancelling a paid order and asking for more time, by buttons.

Thin: each button route (`bot.handlers.router`) calls one `CancellationService` use case,
which checks that the tapping user is the right side of the order and lets the state machine
decide; refunds follow in the service.
"""

from __future__ import annotations

from telegram import Update

from bot.handlers.context import AnyApplication, AnyContext
from bot.handlers.orders.buttons import (
    CANCEL_LATE,
    CANCEL_START,
    EXTENSION_ANSWER,
    EXTENSION_ASK,
    EXTENSION_DAYS,
    MUTUAL_ANSWER,
    MUTUAL_CANCEL,
)
from bot.handlers.replies import acknowledge, reply
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.services.money.refunds import RefundService
from bot.services.orders.cancellation import EXTENSION_DAYS as DAY_CHOICES
from bot.services.orders.cancellation import CancellationService
from bot.services.ports import OrderRecord, TelegramIdentity
from bot.telegram.messages import Button, OutgoingMessage

routes = Routes()


def _refund_note(refunds: RefundService, order: OrderRecord, _: Translator) -> str:
    """What the buyer may expect: never a refund "on its way" that nothing can send."""
    if refunds.cannot_refund(order) is None:
        return _("Cancelled. Your full refund is on its way.")
    return _("Cancelled. An operator is handling your refund.")


@routes.button(CANCEL_START)
async def cancel_before_start(
    order: int,
    user: TelegramIdentity,
    _: Translator,
    cancellation: CancellationService,
    refunds: RefundService,
    update: Update,
) -> None:
    record = await cancellation.buyer_cancel(order, user.id, late=False)
    await acknowledge(update, _refund_note(refunds, record, _))


@routes.button(CANCEL_LATE)
async def cancel_late(
    order: int,
    user: TelegramIdentity,
    _: Translator,
    cancellation: CancellationService,
    refunds: RefundService,
    update: Update,
) -> None:
    record = await cancellation.buyer_cancel(order, user.id, late=True)
    await acknowledge(update, _refund_note(refunds, record, _))


@routes.button(MUTUAL_CANCEL)
async def ask_mutual_cancel(
    order: int,
    user: TelegramIdentity,
    _: Translator,
    cancellation: CancellationService,
    update: Update,
) -> None:
    await cancellation.request_mutual_cancel(order, user.id)
    await acknowledge(update, _("Asked. The other side can accept or decline."))


@routes.button(MUTUAL_ANSWER)
async def answer_mutual_cancel(
    order: int,
    yes: bool,
    user: TelegramIdentity,
    _: Translator,
    cancellation: CancellationService,
    refunds: RefundService,
    update: Update,
) -> None:
    record = await cancellation.answer_mutual_cancel(order, user.id, yes)
    if not yes:
        text = _("Declined.")
    elif refunds.cannot_refund(record) is None:
        text = _("Cancelled; the buyer's refund is on its way.")
    else:
        text = _("Cancelled; an operator is handling the buyer's refund.")
    await acknowledge(update, text)


@routes.button(EXTENSION_ASK)
async def ask_extension(order: int, _: Translator, update: Update, context: AnyContext) -> None:
    await acknowledge(update)
    row = tuple(
        Button(_("+{days} d", days=days), EXTENSION_DAYS.pack(order=order, days=days))
        for days in DAY_CHOICES
    )
    await reply(update, context, OutgoingMessage(_("How many more days do you need?"), (row,)))


@routes.button(EXTENSION_DAYS)
async def request_extension(
    order: int,
    days: int,
    user: TelegramIdentity,
    _: Translator,
    cancellation: CancellationService,
    update: Update,
) -> None:
    await cancellation.request_extension(order, user.id, days)
    await acknowledge(update, _("Asked. The buyer can accept or decline."))


@routes.button(EXTENSION_ANSWER)
async def answer_extension(
    order: int,
    yes: bool,
    user: TelegramIdentity,
    _: Translator,
    cancellation: CancellationService,
    update: Update,
) -> None:
    await cancellation.answer_extension(order, user.id, yes)
    await acknowledge(update, _("More time given.") if yes else _("Declined."))


def register(app: AnyApplication) -> None:
    routes.register(app)
