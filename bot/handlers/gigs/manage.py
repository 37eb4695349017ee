"""My gigs: the list, each gig's panel, pause/resume, delete and share.

Every button carries the gig id, and every service call re-checks that the user owns that gig,
so a forged button gets a refusal (through the error handler), never an effect.
"""

from __future__ import annotations

from typing import assert_never

from telegram import Update

from bot.domain.gig import GigStatus
from bot.handlers.context import AnyApplication, AnyContext, Deps
from bot.handlers.gigs import seller_menu
from bot.handlers.gigs.panel import (
    DELETE_YES,
    GM,
    LIST,
    OPEN,
    GigOp,
    edit_menu,
    gig_list,
    panel,
    promoted,
)
from bot.handlers.replies import acknowledge, reply
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.services.gigs import drafts as gig_drafts
from bot.services.gigs.catalog import GigCard, GigService
from bot.services.groups.broadcast import BroadcastService
from bot.services.ports import TelegramIdentity
from bot.telegram.cards import deep_link, gig_card, share_buttons
from bot.telegram.messages import Button, OutgoingMessage, escape

routes = Routes()


@routes.button(seller_menu.SELLER, item=seller_menu.GIGS)
async def show_list(
    user: TelegramIdentity,
    _: Translator,
    gigs: GigService,
    drafts: gig_drafts.GigCreation,
    update: Update,
    context: AnyContext,
) -> None:
    mine = await gigs.my_gigs(user.id)
    draft = await drafts.unfinished_title(user.id)
    await acknowledge(update)
    await reply(update, context, gig_list(_, mine, draft))


@routes.button(GM)
async def on_button(
    op: GigOp,
    gig: int,
    user: TelegramIdentity,
    _: Translator,
    gigs: GigService,
    drafts: gig_drafts.GigCreation,
    dependencies: Deps,
    update: Update,
    context: AnyContext,
) -> None:
    """Every op is one branch: an op the bot never wrote is refused by the codec."""
    seller, gig_id = user.id, gig
    match op:
        case GigOp.LIST:
            await show_list(user, _, gigs, drafts, update, context)
        case GigOp.OPEN:
            card = await gigs.own_card(seller, gig_id)
            await acknowledge(update)
            await reply(update, context, gig_card(_, card), panel(_, card))
        case GigOp.PAUSE | GigOp.RESUME:
            card = await gigs.set_paused(seller, gig_id, paused=op is GigOp.PAUSE)
            note = (
                _("⏸ Paused. The gig is hidden from buyers until you resume it.")
                if op is GigOp.PAUSE
                else _("▶️ Live again. Buyers can find and order it.")
            )
            await acknowledge(update)
            await reply(update, context, panel(_, card, note))
        case GigOp.DELETE:
            card = await gigs.own_card(seller, gig_id)
            await acknowledge(update)
            await reply(update, context, _confirm_delete(_, card))
        case GigOp.DELETE_YES:
            title = await gigs.delete(seller, gig_id)
            await acknowledge(update)
            text = _("🗑 “{title}” was deleted.", title=escape(title))
            back = Button(_("⬅️ My gigs"), GM.pack(op=LIST, gig=0))
            await reply(update, context, OutgoingMessage(text, buttons=((back,),)))
        case GigOp.PROMOTE:  # the same service and daily limits as /promote
            # Looked up when tapped: the groups feature builds it at its registration (it needs
            # the Telegram chat-admin adapter), so it cannot be injected by the router yet.
            count = await dependencies.service(BroadcastService).promote(seller, gig_id)
            card = await gigs.own_card(seller, gig_id)
            await acknowledge(update)
            await reply(update, context, panel(_, card, promoted(_, count)))
        case GigOp.SHARE:
            card = await gigs.own_card(seller, gig_id)
            await acknowledge(update)
            await reply(update, context, *_share(_, card, dependencies.bot_username))
        case GigOp.EDIT_MENU:
            card = await gigs.own_card(seller, gig_id)
            await acknowledge(update)
            await reply(update, context, edit_menu(_, card))
        case _:
            assert_never(op)


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
    routes.register(app)
