"""Buyers post a request ("📝 Post a request", /request): category, words, budget, deadline.

A guided chat whose progress is in the database (flow "brief"), like ordering. The summary's
Post button carries a one-time token that becomes the request's `post_key`, so a double tap
posts one request. `BriefService` picks and notifies the freelancers; this module also renders
what they receive (the request, with "Send an offer") and the buyer's expiry notice.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import filters

from bot.domain.briefs import BRIEF_TEXT_MAX, BRIEF_TEXT_MIN, parse_amount, validate_brief_text
from bot.domain.briefs import validate_days as check_days
from bot.domain.gig import CATEGORY_LABELS, Category
from bot.domain.money import Money, price_example
from bot.errors import ValidationFailed
from bot.handlers.context import AnyApplication, AnyContext, deps_of
from bot.handlers.replies import acknowledge, reply
from bot.handlers.requests.buttons import BRIEF_CATEGORY, BRIEF_POST, OFFER_START
from bot.handlers.router import Routes
from bot.handlers.start import MENU, REQUEST
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.notices import BriefExpired, BriefPosted, payload_of
from bot.services.ports import TelegramIdentity
from bot.services.progress import Progress, ProgressStore
from bot.services.requests.briefs import BriefService, PostBrief
from bot.telegram.messages import Button, OutgoingMessage, escape, truncate

FLOW = "brief"
NOT_OPEN = N_("This request form is no longer open. Tap 📝 Post a request to start again.")


def _when(value: object) -> str:
    return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M UTC") if value else "—"



routes = Routes()


@routes.button(MENU, item=REQUEST)
async def open_request(
    user: TelegramIdentity,
    _: Translator,
    progress: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    """The first step: the category, as buttons."""
    await progress.save(user.id, Progress(FLOW, "category"))
    await acknowledge(update)
    categories = list(Category)
    rows = [
        tuple(
            Button(_(CATEGORY_LABELS[c]), BRIEF_CATEGORY.pack(cat=c.value)) for c in (left, right)
        )
        for left, right in zip(categories[::2], categories[1::2], strict=True)
    ]
    text = _(
        "<b>📝 Post a request</b>\n"
        "Describe what you need and the best-fitting freelancers send you offers.\n"
        "First, the category:"
    )
    await reply(update, context, OutgoingMessage(text, buttons=rows))


@routes.button(BRIEF_CATEGORY)
async def choose_category(
    cat: str,
    user: TelegramIdentity,
    _: Translator,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    user_id = user.id
    progress = await store.get(user_id)
    if progress is None or progress.flow != FLOW:
        raise ValidationFailed(NOT_OPEN)
    try:
        category = Category(cat)
    except ValueError:
        raise ValidationFailed(N_("Please pick one of the categories.")) from None
    await store.save(user_id, Progress(FLOW, "text", {"category": category}))
    await acknowledge(update)
    text = _(
        "What do you need? Describe it in {min} to {max} characters: what, for whom, any style "
        "or format.",
        min=BRIEF_TEXT_MIN,
        max=BRIEF_TEXT_MAX,
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
    """A typed answer: the words, then the budget, then the deadline; then the summary."""
    message = update.effective_message
    typed = (message.text or "") if message else ""
    data = dict(progress.data)
    if progress.step == "text":
        data["text"] = validate_brief_text(typed)
        step = "budget"
        prompt = _(
            "Your budget in {currency}, for example {example}:",
            currency=service.currency,
            example=price_example(service.currency),
        )
    elif progress.step == "budget":
        data["budget"] = parse_amount(typed, service.currency, service.limits).amount_minor
        step = "days"
        prompt = _("Needed within how many days? Send a number, for example 5.")
    elif progress.step == "days":
        data["days"] = check_days(typed, service.limits)
        data["token"] = secrets.token_urlsafe(9)
        await store.save(user.id, Progress(FLOW, "confirm", data))
        await reply(update, context, _summary(_, data, service.currency))
        return
    else:
        raise ValidationFailed(N_("Please use the buttons above, or /cancel."))
    await store.save(user.id, Progress(FLOW, step, data))
    await reply(update, context, OutgoingMessage(prompt))


def _summary(_: Translator, data: Mapping[str, Any], currency: str) -> OutgoingMessage:
    text = _(
        "<b>Your request</b>\n{category}\n\n{text}\n\nBudget: {budget} · within {days} days",
        category=escape(_(CATEGORY_LABELS[Category(data["category"])])),
        text=escape(data["text"]),
        budget=escape(Money(int(data["budget"]), currency).format()),
        days=data["days"],
    )
    button = Button(_("📤 Post the request"), BRIEF_POST.pack(token=data["token"]))
    return OutgoingMessage(text, buttons=((button,),))


@routes.button(BRIEF_POST)
async def post(
    token: str,
    who: TelegramIdentity,
    _: Translator,
    service: BriefService,
    store: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    progress = await store.get(who.id)
    if progress is None or progress.flow != FLOW or progress.data.get("token") != token:
        raise ValidationFailed(N_("This request was already posted, or its form is closed."))
    data = progress.data
    posted = await service.post(
        PostBrief(
            buyer_id=who.id,
            category=str(data["category"]),
            text=str(data["text"]),
            budget_minor=int(data["budget"]),
            deadline_days=int(data["days"]),
            post_key=f"{who.id}:{token}",
            identity=who,
        )
    )
    await store.clear(who.id)
    await acknowledge(update)
    until = posted.brief.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    if posted.notified:
        text = _(
            "✅ Request posted and sent to {count} freelancers. Their offers arrive here; the "
            "request is open until {until}.",
            count=posted.notified,
            until=until,
        )
    else:
        text = _(
            "Request posted, but no freelancer fits it yet. Try another category or other words."
        )
    await reply(update, context, OutgoingMessage(text))


@routes.command("request", filters.ChatType.PRIVATE)
async def request_command(
    user: TelegramIdentity,
    _: Translator,
    progress: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    await open_request(user, _, progress, update, context)


def render_new_brief(_: Translator, p: Mapping[str, Any]) -> OutgoingMessage:
    """What a matched freelancer receives."""
    n = payload_of(BriefPosted, p)
    try:
        category = _(CATEGORY_LABELS[Category(n.category)])
    except ValueError:
        category = n.category
    text = _(
        "📝 <b>A buyer needs help</b> · {category}\n\n{text}\n\n"
        "Budget: {budget} · within {days} days\nOpen for offers until {until}.",
        category=escape(category),
        text=escape(truncate(n.text, 3000)),
        budget=escape(Money(n.budget_minor, n.currency).format()),
        days=n.deadline_days,
        until=_when(n.expires_at),
    )
    button = Button(_("✍️ Send an offer"), OFFER_START.pack(req=n.request_id))
    return OutgoingMessage(text, buttons=((button,),))


def render_expired(_: Translator, p: Mapping[str, Any]) -> OutgoingMessage:
    n = payload_of(BriefExpired, p)
    return OutgoingMessage(
        _(
            "⌛ Your request expired without an accepted offer: {text}",
            text=escape(truncate(n.request, 200)),
        )
    )


def register(app: AnyApplication) -> None:
    dependencies = deps_of(app)
    dependencies.renderers.register("brief.new", render_new_brief)
    dependencies.renderers.register("brief.expired", render_expired)
    routes.register(app)
