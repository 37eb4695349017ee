"""Custom offers: a freelancer answers a request (price, days, description); the buyer accepts
or declines.

The freelancer's side is a guided chat (flow "offer", progress in the database) started from
the request's "Send an offer" button; `BriefService.offer_form` refuses at once when the request
expired, was taken, or was never sent to this freelancer. Accept turns the offer into an order
through the order service and sends the same Telegram invoice as a package order; a second tap
finds the same order and sends no second invoice. The renderers of the offer notifications live
here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import Update

from bot.domain.briefs import OFFER_TEXT_MAX, OFFER_TEXT_MIN, parse_amount, validate_offer_text
from bot.domain.briefs import validate_days as check_days
from bot.domain.money import Money, price_example
from bot.errors import ValidationFailed
from bot.handlers.context import AnyApplication, AnyContext, deps_of
from bot.handlers.orders.ordering import send_invoice
from bot.handlers.replies import acknowledge, reply
from bot.handlers.requests.buttons import OFFER_ACCEPT, OFFER_DECLINE, OFFER_START
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.notices import OfferNotice, OfferReceived, payload_of
from bot.services.ports import TelegramIdentity
from bot.services.progress import Progress, ProgressStore
from bot.services.requests.briefs import BriefService, MakeOffer
from bot.telegram.messages import Button, OutgoingMessage, escape, truncate

FLOW = "offer"



routes = Routes()


@routes.button(OFFER_START)
async def start_offer(
    req: int,
    user: TelegramIdentity,
    _: Translator,
    service: BriefService,
    progress: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    seller_id, request_id = user.id, req
    form = await service.offer_form(seller_id, request_id)
    await progress.save(
        seller_id,
        Progress(FLOW, "price", {"request": request_id, "currency": form.currency}),
    )
    await acknowledge(update)
    low, high = service.limits.price_range(form.currency)
    text = _(
        "<b>Your offer</b> for: {request}\n\nYour price in {currency} ({low} to {high}), "
        "for example {example}:",
        request=escape(truncate(form.brief.text, 300)),
        currency=form.currency,
        low=escape(low.format()),
        high=escape(high.format()),
        example=price_example(form.currency),
    )
    await reply(update, context, OutgoingMessage(text))


@routes.step(FLOW)
async def on_step(
    progress: Progress,
    user: TelegramIdentity,
    _: Translator,
    service: BriefService,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    """Price, then delivery days, then the description, which sends the offer."""
    message = update.effective_message
    typed = (message.text or "") if message else ""
    seller_id = user.id
    data = dict(progress.data)
    if progress.step == "price":
        data["price"] = parse_amount(typed, str(data["currency"]), service.limits).amount_minor
        step, prompt = "days", _("Delivery in how many days? Send a number, for example 3.")
    elif progress.step == "days":
        data["days"] = check_days(typed, service.limits)
        step = "text"
        prompt = _(
            "Describe what you will deliver ({min} to {max} characters):",
            min=OFFER_TEXT_MIN,
            max=OFFER_TEXT_MAX,
        )
    elif progress.step == "text":
        offer = await service.make_offer(
            MakeOffer(
                seller_id=seller_id,
                request_id=int(data["request"]),
                price_minor=int(data["price"]),
                delivery_days=int(data["days"]),
                description=validate_offer_text(typed),
            )
        )
        await store.clear(seller_id)
        price = Money(offer.price_minor, offer.currency).format()
        text = _(
            "✅ Offer sent: {price}, delivery in {days} days. I will tell you when the buyer "
            "answers.",
            price=escape(price),
            days=offer.delivery_days,
        )
        await reply(update, context, OutgoingMessage(text))
        return
    else:
        raise ValidationFailed(N_("Please use the buttons above, or /cancel."))
    await store.save(seller_id, Progress(FLOW, step, data))
    await reply(update, context, OutgoingMessage(prompt))


@routes.button(OFFER_ACCEPT)
async def accept(
    offer: int, who: TelegramIdentity, service: BriefService, update: Update, context: AnyContext
) -> None:
    order, created = await service.accept(who.id, offer, who)
    if not created:
        raise ValidationFailed(N_("You already accepted this offer; see the invoice above."))
    await acknowledge(update)
    await send_invoice(update, context, order)


@routes.button(OFFER_DECLINE)
async def decline(
    offer: int,
    user: TelegramIdentity,
    _: Translator,
    service: BriefService,
    update: Update,
    context: AnyContext,
) -> None:
    await service.decline(user.id, offer)
    await acknowledge(update, _("Offer declined."))
    await reply(update, context, OutgoingMessage(_("You declined the offer.")))


def render_new_offer(_: Translator, p: Mapping[str, Any]) -> OutgoingMessage:
    """The buyer's copy of an offer, with Accept and Decline."""
    n = payload_of(OfferReceived, p)
    text = _(
        "💬 <b>Offer from {seller}</b> for your request: {request}\n\n{description}\n\n"
        "Price: {price} (plus the service fee) · delivery in {days} days",
        seller=escape(n.seller),
        request=escape(truncate(n.request, 200)),
        description=escape(truncate(n.description, 2500)),
        price=_price_of(n),
        days=n.delivery_days,
    )
    offer_id = n.offer_id
    buttons = (
        (
            Button(_("✅ Accept and pay"), OFFER_ACCEPT.pack(offer=offer_id)),
            Button(_("❌ Decline"), OFFER_DECLINE.pack(offer=offer_id)),
        ),
    )
    return OutgoingMessage(text, buttons=buttons)


def _price_of(n: OfferNotice) -> str:
    return escape(Money(n.price_minor, n.currency).format())


def _simple(template: str) -> Any:
    def render(_: Translator, p: Mapping[str, Any]) -> OutgoingMessage:
        n = payload_of(OfferNotice, p)
        return OutgoingMessage(_(template, price=_price_of(n), days=n.delivery_days))

    return render


RENDERERS = {
    "offer.new": render_new_offer,
    "offer.accepted": _simple(
        N_("🎉 The buyer accepted your offer ({price}). The order starts when they pay.")
    ),
    "offer.declined": _simple(N_("The buyer declined your offer ({price}).")),
    "offer.closed": _simple(
        N_("Your offer ({price}) is closed: the request expired or took another offer.")
    ),
}


def register(app: AnyApplication) -> None:
    dependencies = deps_of(app)
    for kind, renderer in RENDERERS.items():
        dependencies.renderers.register(kind, renderer)
    routes.register(app)
