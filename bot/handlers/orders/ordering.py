"""Ordering from a gig card: package, extras, requirement answers, summary, Confirm, invoice.

Progress lives in the database (`ProgressStore`, flow "order"), so a buyer can stop halfway and
continue after a restart. The summary's Confirm button carries a one-time token that becomes the
order's `confirm_key`: a double tap finds the same order and sends no second invoice.
"""

from __future__ import annotations

import secrets
from typing import Any

from telegram import LabeledPrice, Update

from bot.callbacks import ForgedCallback, action
from bot.domain.gig import GigSpec, Requirement, RequirementKind
from bot.domain.money import STARS
from bot.errors import ValidationFailed
from bot.handlers.context import AnyApplication, AnyContext, deps, translator
from bot.handlers.replies import acknowledge
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.money.payments import invoice_payload
from bot.services.orders.ordering import OrderService, PlaceOrder, quote
from bot.services.ports import OrderRecord, TelegramIdentity
from bot.services.progress import Progress, ProgressStore
from bot.telegram.cards import ORDER_GIG
from bot.telegram.messages import Button, OutgoingMessage, escape

FLOW = "order"
PACKAGE = action("opkg", gig=int, tier=str)
EXTRA = action("oext", gig=int, index=int)
EXTRAS_DONE = action("oexd", gig=int)
CHOICE = action("ochoice", gig=int, question=int, choice=int)
SKIP = action("oskip", gig=int, question=int)
CONFIRM = action("oconf", gig=int, token=str)


async def _say(update: Update, context: AnyContext, message: OutgoingMessage) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(
            chat.id, message.text, parse_mode="HTML", reply_markup=message.markup()
        )


async def _progress(update: Update, context: AnyContext, gig_id: int) -> Progress:
    user = update.effective_user
    progress = await deps(context).progress.get(user.id) if user else None
    if progress is None or progress.flow != FLOW or progress.data.get("gig") != gig_id:
        raise ValidationFailed(N_("This order form is no longer open. Please tap Order again."))
    return progress


async def _spec(context: AnyContext, gig_id: int, buyer_id: int) -> GigSpec:
    return (await deps(context).service(OrderService).gig_for_buyer(gig_id, buyer_id)).spec


routes = Routes()


@routes.button(ORDER_GIG)
async def start_order(
    gig: int,
    user: TelegramIdentity,
    _: Translator,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    gig_id = gig
    spec = await _spec(context, gig_id, user.id)
    await store.save(
        user.id, Progress(FLOW, "package", {"gig": gig_id, "extras": [], "answers": {}})
    )
    await acknowledge(update)
    rows = [
        (
            Button(
                _(
                    "{name} · {price} · {days}d",
                    name=p.name,
                    price=p.price.format(),
                    days=p.delivery_days,
                ),
                PACKAGE.pack(gig=gig_id, tier=p.tier.value),
            ),
        )
        for p in spec.packages
    ]
    text = _("Ordering <b>{title}</b>. Choose a package:", title=escape(spec.title))
    await _say(update, context, OutgoingMessage(text, rows))


@routes.button(PACKAGE)
async def choose_package(
    gig: int,
    tier: str,
    user: TelegramIdentity,
    orders: OrderService,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    progress = await _progress(update, context, gig)
    spec = await _spec(context, gig, user.id)
    quote(spec, tier, (), orders.policy)  # a real tier
    progress.data["tier"] = tier
    await acknowledge(update)
    if spec.extras:
        progress.step = "extras"
        await store.save(user.id, progress)
        await _show_extras(update, context, spec, progress)
    else:
        await _next_question(update, context, spec, progress)


async def _show_extras(
    update: Update, context: AnyContext, spec: GigSpec, progress: Progress
) -> None:
    _ = translator(update, context)
    gig_id, chosen = progress.data["gig"], set(progress.data["extras"])
    rows: list[tuple[Button, ...]] = [
        (
            Button(
                f"{'✅' if index in chosen else '➕'} {extra.title} · +{extra.price.format()}",
                EXTRA.pack(gig=gig_id, index=index),
            ),
        )
        for index, extra in enumerate(spec.extras)
    ]
    rows.append((Button(_("Continue"), EXTRAS_DONE.pack(gig=gig_id)),))
    await _say(update, context, OutgoingMessage(_("Add extras, then tap Continue:"), rows))


@routes.button(EXTRA)
async def toggle_extra(
    gig: int,
    index: int,
    user: TelegramIdentity,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    progress = await _progress(update, context, gig)
    spec = await _spec(context, gig, user.id)
    if not 0 <= index < len(spec.extras):
        raise ValidationFailed(N_("Please choose extras from the gig's list."))
    extras = set(progress.data["extras"]) ^ {index}
    progress.data["extras"] = sorted(extras)
    await store.save(user.id, progress)
    await acknowledge(update)
    await _show_extras(update, context, spec, progress)


@routes.button(EXTRAS_DONE)
async def extras_done(
    gig: int, user: TelegramIdentity, update: Update, context: AnyContext
) -> None:
    progress = await _progress(update, context, gig)
    await acknowledge(update)
    await _next_question(update, context, await _spec(context, gig, user.id), progress)


async def _next_question(
    update: Update, context: AnyContext, spec: GigSpec, progress: Progress
) -> None:
    """Ask the first unanswered question, or show the summary when all are answered."""
    user = update.effective_user
    assert user is not None
    _ = translator(update, context)
    asked = {int(k) for k in progress.data["answers"]} | set(progress.data.get("skipped", []))
    index = next((i for i in range(len(spec.requirements)) if i not in asked), None)
    if index is None:
        await _summary(update, context, spec, progress)
        return
    requirement = spec.requirements[index]
    progress.step, progress.data["question"] = "answer", index
    await deps(context).progress.save(user.id, progress)
    gig_id = progress.data["gig"]
    rows: list[tuple[Button, ...]] = []
    if requirement.kind is RequirementKind.choice:
        rows = [
            (Button(choice, CHOICE.pack(gig=gig_id, question=index, choice=n)),)
            for n, choice in enumerate(requirement.choices)
        ]
    if not requirement.required:
        rows.append((Button(_("Skip"), SKIP.pack(gig=gig_id, question=index)),))
    hint = {
        RequirementKind.text: _("Please type your answer."),
        RequirementKind.file: _("Please send a file or a photo."),
        RequirementKind.choice: _("Please choose:"),
    }[requirement.kind]
    text = f"❓ <b>{escape(requirement.question)}</b>\n{hint}"
    await _say(update, context, OutgoingMessage(text, rows))


@routes.step(FLOW)
async def answer_step(
    progress: Progress, user: TelegramIdentity, update: Update, context: AnyContext
) -> None:
    """A typed answer or a file for the question being asked."""
    message = update.effective_message
    if message is None or progress.step != "answer":
        return
    spec = await _spec(context, progress.data["gig"], user.id)
    requirement = spec.requirements[int(progress.data["question"])]
    answer: Any
    if requirement.kind is RequirementKind.text and message.text:
        answer = message.text.strip()
    elif requirement.kind is RequirementKind.file and (message.document or message.photo):
        file = message.document or message.photo[-1]
        answer = {
            "file_id": file.file_id,
            "file_name": getattr(file, "file_name", None) or "",
            "type": "document" if message.document else "photo",  # how to send it on
        }
    else:
        raise ValidationFailed(N_("That is not the kind of answer this question needs."))
    progress.data["answers"][str(progress.data["question"])] = answer
    await _next_question(update, context, spec, progress)


def _requirement(spec: GigSpec, index: int) -> Requirement:
    """The question a button names; an index the gig does not have is a forged button."""
    if not 0 <= index < len(spec.requirements):
        raise ForgedCallback()
    return spec.requirements[index]


@routes.button(CHOICE)
async def choose_answer(
    gig: int,
    question: int,
    choice: int,
    user: TelegramIdentity,
    update: Update,
    context: AnyContext,
) -> None:
    progress = await _progress(update, context, gig)
    spec = await _spec(context, gig, user.id)
    choices = _requirement(spec, question).choices
    if not 0 <= choice < len(choices):
        raise ValidationFailed()
    progress.data["answers"][str(question)] = choices[choice]
    await acknowledge(update)
    await _next_question(update, context, spec, progress)


@routes.button(SKIP)
async def skip_question(
    gig: int, question: int, user: TelegramIdentity, update: Update, context: AnyContext
) -> None:
    progress = await _progress(update, context, gig)
    spec = await _spec(context, gig, user.id)
    if _requirement(spec, question).required:
        raise ValidationFailed(N_("This question needs an answer."))
    progress.data.setdefault("skipped", []).append(question)
    await acknowledge(update)
    await _next_question(update, context, spec, progress)


def summary_text(
    _: Translator, spec: GigSpec, tier: str, extras: list[int], service: OrderService
) -> str:
    chosen = quote(spec, tier, extras, service.policy)
    b = chosen.breakdown
    lines = [
        _("<b>Your order</b>: {title}", title=escape(spec.title)),
        f"{escape(chosen.package.name)}: {chosen.package.price.format()}",
        *(f"+ {escape(e.title)}: {e.price.format()}" for e in chosen.extras),
        _("Service fee: {fee}", fee=b.service_fee.format()),
    ]
    if not b.small_order_fee.is_zero():
        lines.append(_("Small-order fee: {fee}", fee=b.small_order_fee.format()))
    lines.append(_("<b>Total: {total}</b>", total=b.total.format()))
    lines.append(_("Delivery in {days} days.", days=chosen.delivery_days))
    return "\n".join(lines)


async def _summary(update: Update, context: AnyContext, spec: GigSpec, progress: Progress) -> None:
    user = update.effective_user
    assert user is not None
    _ = translator(update, context)
    token = secrets.token_urlsafe(9).replace("-", "_")
    progress.step, progress.data["token"] = "confirm", token
    await deps(context).progress.save(user.id, progress)
    text = summary_text(
        _,
        spec,
        progress.data["tier"],
        progress.data["extras"],
        deps(context).service(OrderService),
    )
    button = Button(_("✅ Confirm and pay"), CONFIRM.pack(gig=progress.data["gig"], token=token))
    await _say(update, context, OutgoingMessage(text, ((button,),)))


@routes.button(CONFIRM)
async def confirm(
    gig: int,
    token: str,
    user: TelegramIdentity,
    orders: OrderService,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    user_id = user.id
    key = f"{user_id}:{token}"
    progress = await store.get(user_id)
    if progress is None or progress.data.get("token") != token:
        # Second tap after the order was placed: same key, same order, no second invoice.
        raise ValidationFailed(N_("This order was already confirmed; see the invoice above."))
    order = await orders.place_order(
        PlaceOrder(
            buyer_id=user_id,
            gig_id=gig,
            tier=str(progress.data["tier"]),
            extras=tuple(progress.data["extras"]),
            answers=progress.data["answers"],
            confirm_key=key,
            identity=user,
        )
    )
    await store.clear(user_id)
    await acknowledge(update)
    await send_invoice(update, context, order)


async def send_invoice(update: Update, context: AnyContext, order: OrderRecord) -> None:
    """Telegram's invoice: card items in minor units through Stripe, or one Stars price."""
    chat = update.effective_chat
    assert chat is not None
    _ = translator(update, context)
    settings = deps(context).settings
    title = str(order.snapshot.get("title", ""))[:32] or _("Order")
    description = _("Order #{order_id}", order_id=order.id)
    if order.currency == STARS:
        prices = [LabeledPrice(title, order.total_minor)]
        token = ""
    else:
        prices = [LabeledPrice(_("Package and extras"), order.subtotal_minor)]
        if order.service_fee_minor:
            prices.append(LabeledPrice(_("Service fee"), order.service_fee_minor))
        if order.small_order_fee_minor:
            prices.append(LabeledPrice(_("Small-order fee"), order.small_order_fee_minor))
        provider = settings.telegram_provider_token
        token = provider.get_secret_value() if provider else ""
    await context.bot.send_invoice(
        chat.id,
        title=title,
        description=description,
        payload=invoice_payload(order.id),
        provider_token=token,
        currency=order.currency,
        prices=prices,
    )


def register(app: AnyApplication) -> None:
    # ORDER_GIG is declared beside the gig card (every card carries it); this flow answers it.
    routes.register(app)
