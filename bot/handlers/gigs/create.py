"""Create a gig: the guided conversation from "➕ Create a gig" to a live, shareable gig.

Messages reach `on_message` through the conversation router (the user's progress in the
database names this flow), buttons reach `on_button`; both hand the answer to `GigCreation`,
which checks it, saves the progress and says which step is next, and then render that step.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler

from bot.errors import ValidationFailed
from bot.handlers.context import AnyApplication, AnyContext, deps, deps_of, translator
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
from bot.handlers.replies import acknowledge, identity, reply
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


async def _preview(update: Update, context: AnyContext, state: DraftState) -> None:
    _ = translator(update, context)
    card = await deps(context).service(GigCreation).preview(identity(update), state)
    intro = _("<b>Preview.</b> This is exactly how buyers will see your gig:")
    if state.resumed:
        intro = _("Welcome back! Here is where you left off with your gig.") + "\n\n" + intro
    await reply(update, context, OutgoingMessage(intro), gig_card(_, card, preview_buttons(_)))


async def show_step(update: Update, context: AnyContext, state: DraftState) -> None:
    if state.step == d.PREVIEW:
        await _preview(update, context, state)
        return
    _ = translator(update, context)
    await reply(update, context, prompt(_, state, deps(context).service(GigCreation)))


async def start_creation(update: Update, context: AnyContext) -> None:
    state = await deps(context).service(GigCreation).begin(identity(update).id)
    await acknowledge(update)
    await show_step(update, context, state)


async def on_message(update: Update, context: AnyContext, progress: Progress) -> None:
    creation = deps(context).service(GigCreation)
    answer = answer_of(update.effective_message)
    state = await creation.answer(identity(update).id, answer, progress=progress)
    await show_step(update, context, state)


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


async def on_button(update: Update, context: AnyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    values = CG.unpack(query.data or "")
    step, value = str(values["step"]), str(values["value"])
    _ = translator(update, context)
    dependencies = deps(context)
    creation = dependencies.service(GigCreation)
    user = identity(update)
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
    await show_step(update, context, state)


def register(app: AnyApplication) -> None:
    dependencies = deps_of(app)
    dependencies.callbacks.register(CG)
    dependencies.steps[d.FLOW] = on_message
    app.add_handler(CallbackQueryHandler(on_button, pattern=CG.pattern))
    app.add_handler(
        CallbackQueryHandler(start_creation, pattern=seller_menu.pattern(seller_menu.CREATE))
    )
