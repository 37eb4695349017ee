"""Create a gig: the guided conversation from "➕ Create a gig" to a live, shareable gig.

Messages reach `on_message` (a message step of this flow: the user's progress in the database
names it), buttons reach `on_button`; both hand the answer to `GigCreation`,
which checks it, saves the progress and says which step is next, and then render that step.
"""

from __future__ import annotations

from telegram import Message, Update

from bot.errors import ValidationFailed
from bot.handlers.context import AnyApplication, AnyContext, Deps
from bot.handlers.gigs import seller_menu
from bot.handlers.gigs.create_prompts import (
    BACK,
    CANCEL,
    CG,
    PUBLISH,
    RESTART,
    preview_buttons,
    prompt,
)
from bot.handlers.gigs.panel import GM, OPEN
from bot.handlers.replies import acknowledge, reply
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.gigs import steps as d
from bot.services.gigs.catalog import GigCard
from bot.services.gigs.drafts import GigCreation
from bot.services.gigs.steps import (
    Answer,
    ChoiceAnswer,
    DraftState,
    PhotoAnswer,
    TextAnswer,
)
from bot.services.ports import TelegramIdentity
from bot.services.progress import Progress
from bot.telegram.cards import deep_link, gig_card, share_buttons
from bot.telegram.messages import Button, OutgoingMessage, escape


def answer_of(message: Message | None) -> Answer:
    """What the user sent, as the service's answer: a photo, or text."""
    if message is None:
        raise ValidationFailed(N_("Please send text or a photo."))
    if message.photo:
        return PhotoAnswer(message.photo[-1].file_id)
    if message.document is not None:
        raise ValidationFailed(
            N_("Please send pictures as photos, not as files (untick “send as file”).")
        )
    if message.text is None:
        raise ValidationFailed(N_("Please send text or a photo."))
    return TextAnswer(message.text)


routes = Routes()


async def _preview(
    _: Translator,
    user: TelegramIdentity,
    creation: GigCreation,
    update: Update,
    context: AnyContext,
    state: DraftState,
) -> None:
    card = await creation.preview(user, state)
    intro = _("<b>Preview.</b> This is exactly how buyers will see your gig:")
    if state.resumed:
        intro = _("Welcome back! Here is where you left off with your gig.") + "\n\n" + intro
    await reply(update, context, OutgoingMessage(intro), gig_card(_, card, preview_buttons(_)))


async def show_step(
    _: Translator,
    user: TelegramIdentity,
    creation: GigCreation,
    update: Update,
    context: AnyContext,
    state: DraftState,
) -> None:
    if state.step == d.PREVIEW:
        await _preview(_, user, creation, update, context, state)
        return
    await reply(update, context, prompt(_, state, creation))


@routes.button(seller_menu.SELLER, item=seller_menu.CREATE)
async def start_creation(
    user: TelegramIdentity,
    _: Translator,
    creation: GigCreation,
    update: Update,
    context: AnyContext,
) -> None:
    state = await creation.begin(user.id)
    await acknowledge(update)
    await show_step(_, user, creation, update, context, state)


@routes.step(d.FLOW)
async def on_message(
    progress: Progress,
    user: TelegramIdentity,
    _: Translator,
    creation: GigCreation,
    update: Update,
    context: AnyContext,
) -> None:
    answer = answer_of(update.effective_message)
    state = await creation.answer(user.id, answer, progress=progress)
    await show_step(_, user, creation, update, context, state)


def published(_: Translator, card: GigCard, bot_username: str) -> tuple[OutgoingMessage, ...]:
    assert card.gig_id is not None
    link = deep_link(bot_username, card.gig_id) if bot_username else ""
    text = _(
        "🎉 <b>{title}</b> is live! Buyers can order it now.\nShare it with this link: {link}",
        title=escape(card.spec.title),
        link=escape(link),
    )
    return (
        OutgoingMessage(
            text,
            buttons=(
                (Button(_("⚙️ Manage this gig"), GM.pack(op=OPEN, gig=card.gig_id)),),
                (seller_menu.back_to_menu(_),),
            ),
        ),
        gig_card(_, card, share_buttons(_, card, bot_username)),
    )


@routes.button(CG)
async def on_button(
    step: str,
    value: str,
    user: TelegramIdentity,
    _: Translator,
    creation: GigCreation,
    dependencies: Deps,
    update: Update,
    context: AnyContext,
) -> None:
    """`value` is a control (cancel, publish, back, restart) or the choice the step offered;
    the service checks a choice against the step, so a forged one is refused there."""
    if value == CANCEL:
        await creation.cancel(user.id)
        await acknowledge(update)
        await reply(
            update,
            context,
            OutgoingMessage(
                _("Gig creation cancelled. Nothing was published."),
                buttons=((seller_menu.back_to_menu(_),),),
            ),
        )
        return
    if value == PUBLISH:
        card = await creation.publish(user, step)
        await acknowledge(update, _("Published!"))
        await reply(update, context, *published(_, card, dependencies.bot_username))
        return
    if value == BACK:
        state = await creation.back(user.id, step)
    elif value == RESTART:
        state = await creation.restart(user.id)
    else:
        state = await creation.answer(user.id, ChoiceAnswer(value), step=step)
    await acknowledge(update)
    if state is None:
        await reply(update, context, seller_menu.seller_menu(_))
        return
    await show_step(_, user, creation, update, context, state)


def register(app: AnyApplication) -> None:
    routes.register(app)
