"""My gigs: the list, each gig's panel, pause/resume, delete and share.

Every button carries the gig id, and every service call re-checks that the user owns that gig,
so a forged button gets a refusal (through the error handler), never an effect.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.domain.gig import GigStatus
from bot.handlers.context import AnyApplication, AnyContext, deps, deps_of, translator
from bot.handlers.gigs import seller_menu
from bot.handlers.gigs.panel import (
    DELETE,
    DELETE_YES,
    GM,
    LIST,
    OPEN,
    PAUSE,
    PROMOTE,
    RESUME,
    SHARE,
    edit_menu,
    gig_list,
    panel,
    promoted,
)
from bot.handlers.replies import acknowledge, identity, reply
from bot.i18n.catalogs import Translator
from bot.services.gigs import drafts as gig_drafts
from bot.services.gigs.catalog import GigCard, GigService
from bot.services.groups.broadcast import BroadcastService
from bot.telegram.cards import deep_link, gig_card, share_buttons
from bot.telegram.messages import Button, OutgoingMessage, escape


async def show_list(update: Update, context: AnyContext) -> None:
    _ = translator(update, context)
    dependencies = deps(context)
    user = identity(update)
    gigs = await dependencies.service(GigService).my_gigs(user.id)
    draft = await dependencies.service(gig_drafts.GigCreation).unfinished_title(user.id)
    await acknowledge(update)
    await reply(update, context, gig_list(_, gigs, draft))


async def on_button(update: Update, context: AnyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    values = GM.unpack(query.data or "")
    op, gig_id = str(values["op"]), int(values["gig"])
    if op == LIST:
        await show_list(update, context)
        return
    _ = translator(update, context)
    dependencies = deps(context)
    service = dependencies.service(GigService)
    seller = identity(update).id
    if op == OPEN:
        card = await service.own_card(seller, gig_id)
        await acknowledge(update)
        await reply(update, context, gig_card(_, card), panel(_, card))
    elif op in (PAUSE, RESUME):
        card = await service.set_paused(seller, gig_id, paused=op == PAUSE)
        note = (
            _("⏸ Paused. The gig is hidden from buyers until you resume it.")
            if op == PAUSE
            else _("▶️ Live again. Buyers can find and order it.")
        )
        await acknowledge(update)
        await reply(update, context, panel(_, card, note))
    elif op == DELETE:
        card = await service.own_card(seller, gig_id)
        await acknowledge(update)
        await reply(update, context, _confirm_delete(_, card))
    elif op == DELETE_YES:
        title = await service.delete(seller, gig_id)
        await acknowledge(update)
        text = _("🗑 “{title}” was deleted.", title=escape(title))
        await reply(
            update,
            context,
            OutgoingMessage(text, buttons=((Button(_("⬅️ My gigs"), GM.pack(op=LIST, gig=0)),),)),
        )
    elif op == PROMOTE:  # the same service and daily limits as /promote
        count = await dependencies.service(BroadcastService).promote(seller, gig_id)
        card = await service.own_card(seller, gig_id)
        await acknowledge(update)
        await reply(update, context, panel(_, card, promoted(_, count)))
    elif op == SHARE:
        card = await service.own_card(seller, gig_id)
        await acknowledge(update)
        await reply(update, context, *_share(_, card, dependencies.bot_username))
    else:
        card = await service.own_card(seller, gig_id)
        await acknowledge(update)
        await reply(update, context, edit_menu(_, card))


def _confirm_delete(_: Translator, card: GigCard) -> OutgoingMessage:
    assert card.gig_id is not None
    return OutgoingMessage(
        _(
            "Delete “{title}”? Buyers will no longer find it. This cannot be undone.",
            title=escape(card.spec.title),
        ),
        buttons=(
            (
                Button(_("🗑 Yes, delete"), GM.pack(op=DELETE_YES, gig=card.gig_id)),
                Button(_("Keep it"), GM.pack(op=OPEN, gig=card.gig_id)),
            ),
        ),
    )


def _share(_: Translator, card: GigCard, bot_username: str) -> tuple[OutgoingMessage, ...]:
    assert card.gig_id is not None
    link = deep_link(bot_username, card.gig_id)
    text = _(
        "Share this link anywhere: {link}\nOr forward the card below to a chat or a channel.",
        link=escape(link),
    )
    if card.status is not GigStatus.live:
        text += "\n" + _("Note: the gig is paused, so buyers who open it will see that.")
    return OutgoingMessage(text), gig_card(_, card, share_buttons(_, card, bot_username))


def register(app: AnyApplication) -> None:
    deps_of(app).callbacks.register(GM)
    app.add_handler(CallbackQueryHandler(on_button, pattern=GM.pattern))
    app.add_handler(CallbackQueryHandler(show_list, pattern=seller_menu.pattern(seller_menu.GIGS)))
