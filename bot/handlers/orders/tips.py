"""Tips in chat: "Add a tip" under the completion notice, amounts as buttons or typed, an
invoice, and the tip's own pre-checkout and successful payment.

A tip's pre-checkout and successful payment are routed by the invoice's kind
(`bot.handlers.routing`): these routes take tip payloads, the order's payment flow every other,
so neither depends on which is registered first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import LabeledPrice, Update

from bot.domain.money import STARS, Money
from bot.errors import ValidationFailed
from bot.handlers.context import AnyApplication, AnyContext, deps, deps_of, translator
from bot.handlers.orders.buttons import TIP, TIP_AMOUNT, TIP_CUSTOM
from bot.handlers.orders.notices import title
from bot.handlers.orders.payments import journal_payment
from bot.handlers.replies import acknowledge, reply
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.money.invoices import InvoiceKind
from bot.services.money.journal import TIP_PAYMENT
from bot.services.notices import NoticeKind, OrderNotice, TipReceived, TipThanks, payload_of
from bot.services.orders.tips import TipService, tip_payload
from bot.services.ports import OrderRecord, TelegramIdentity
from bot.services.progress import Progress, ProgressStore
from bot.telegram.messages import Button, OutgoingMessage, escape

TIP_FLOW = "tip"


routes = Routes()


@routes.button(TIP)
async def tip_start(
    order: int,
    user: TelegramIdentity,
    _: Translator,
    tips: TipService,
    update: Update,
    context: AnyContext,
) -> None:
    choice = await tips.choice(order, user.id)
    await acknowledge(update)
    order_id = choice.order.id
    rows = [
        (
            Button(
                f"{percent}% · {amount.format()}",
                TIP_AMOUNT.pack(order=order_id, amount=amount.amount_minor),
            ),
        )
        for percent, amount in choice.offers
    ]
    rows.append((Button(_("✏️ Another amount"), TIP_CUSTOM.pack(order=order_id)),))
    text = _(
        "💝 Add a tip for the seller of order #{order_id}? It goes to them less the usual "
        "commission.",
        order_id=order_id,
    )
    await reply(update, context, OutgoingMessage(text, tuple(rows)))


@routes.button(TIP_AMOUNT)
async def tip_amount(
    order: int,
    amount: int,
    user: TelegramIdentity,
    tips: TipService,
    update: Update,
    context: AnyContext,
) -> None:
    choice = await tips.choice(order, user.id)
    checked = await tips.check(choice.order.id, user.id, amount)
    await acknowledge(update)
    await send_tip_invoice(update, context, choice.order, checked)


@routes.button(TIP_CUSTOM)
async def tip_custom(
    order: int,
    user: TelegramIdentity,
    _: Translator,
    tips: TipService,
    progress: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    choice = await tips.choice(order, user.id)
    await progress.save(user.id, Progress(TIP_FLOW, "amount", {"order": choice.order.id}))
    await acknowledge(update)
    text = _(
        "Type the tip's amount, from {low} to {high}.",
        low=choice.low.format(),
        high=choice.high.format(),
    )
    await reply(update, context, OutgoingMessage(text))


@routes.step(TIP_FLOW)
async def tip_step(
    update: Update,
    context: AnyContext,
    progress: Progress,
    user: TelegramIdentity,
    tips: TipService,
    store: ProgressStore,
) -> None:
    message = update.effective_message
    if message is None:
        return
    if not message.text:
        raise ValidationFailed(N_("Please type the amount."))
    choice = await tips.choice(int(progress.data["order"]), user.id)
    typed = Money.parse(message.text, choice.order.currency)
    amount = await tips.check(choice.order.id, user.id, typed.amount_minor)
    await store.clear(user.id)
    await send_tip_invoice(update, context, choice.order, amount)


async def send_tip_invoice(
    update: Update, context: AnyContext, order: OrderRecord, amount: Money
) -> None:
    """The tip's invoice, on the order's rail: Stars (empty token) or the card provider."""
    chat = update.effective_chat
    assert chat is not None
    _ = translator(update, context)
    token = ""
    provider = deps(context).settings.telegram_provider_token
    if order.currency != STARS and provider is not None:
        token = provider.get_secret_value()
    await context.bot.send_invoice(
        chat.id,
        title=_("Tip"),
        description=_("A tip for order #{order_id}", order_id=order.id),
        payload=tip_payload(order.id, amount.amount_minor),
        provider_token=token,
        currency=order.currency,
        prices=[LabeledPrice(_("Tip"), amount.amount_minor)],
    )


@routes.pre_checkout(InvoiceKind.TIP)
async def pre_checkout(update: Update, tips: TipService) -> None:
    query = update.pre_checkout_query
    if query is None:
        return
    await tips.check_pre_checkout(
        query.invoice_payload, query.from_user.id, query.total_amount, query.currency
    )
    await query.answer(ok=True)


@routes.payment(InvoiceKind.TIP)
async def successful_tip(update: Update, context: AnyContext) -> None:
    """Journaled like an order's payment (see `payments.journal_payment`)."""
    await journal_payment(update, context, TIP_PAYMENT)


def render_tip_received(_: Translator, p: Mapping[str, Any]) -> OutgoingMessage:
    notice = payload_of(TipReceived, p)
    text = _(
        "💝 The buyer of {order} sent you a tip of {tip}; {net} is on your balance.",
        order=_title(notice),
        tip=_money(notice.tip_minor, notice.currency),
        net=_money(notice.net_minor, notice.currency),
    )
    return OutgoingMessage(text)


def render_tip_thanks(_: Translator, p: Mapping[str, Any]) -> OutgoingMessage:
    notice = payload_of(TipThanks, p)
    text = _(
        "💝 Thank you! Your tip of {tip} for {order} is on its way to the seller.",
        tip=_money(notice.tip_minor, notice.currency),
        order=_title(notice),
    )
    return OutgoingMessage(text)


def _title(notice: OrderNotice) -> str:
    return title({"order_id": notice.order_id, "title": notice.title})


def _money(minor: int, currency: str) -> str:
    return escape(Money(minor, currency).format())


def register(app: AnyApplication) -> None:
    dependencies = deps_of(app)
    dependencies.renderers.register(NoticeKind.ORDER_TIP_RECEIVED, render_tip_received)
    dependencies.renderers.register(NoticeKind.ORDER_TIP_THANKS, render_tip_thanks)
    routes.register(app)
