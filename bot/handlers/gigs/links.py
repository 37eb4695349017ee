"""Opening a gig from outside the bot: `t.me/<bot>?start=gig_<id>` deep links.

Shares, group posts and inline results all link here, and everyone gets the same card. A paused
or deleted gig is refused by the service with a message saying so (through the error handler).
"""

from __future__ import annotations

from telegram import Update

from bot.errors import NotFound
from bot.handlers.context import AnyApplication, AnyContext, Deps
from bot.handlers.gigs.panel import panel
from bot.handlers.replies import reply
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.services.gigs.catalog import GigService
from bot.services.groups.subscriptions import GroupService
from bot.services.ports import TelegramIdentity
from bot.telegram.cards import buyer_buttons, gig_card
from bot.telegram.group_posts import parse_gig_start

DEEP_LINK_PREFIX = "gig"


routes = Routes()


@routes.deep_link(DEEP_LINK_PREFIX)
async def open_gig(
    rest: str,
    user: TelegramIdentity,
    _: Translator,
    gigs: GigService,
    dependencies: Deps,
    update: Update,
    context: AnyContext,
) -> None:
    parsed = parse_gig_start(rest)  # `<id>`, or `<id>_g<chat>` from a group post
    if parsed is None:
        raise NotFound()
    gig_id, source_chat = parsed
    viewer = user.id
    card = await gigs.card_for_viewer(gig_id, viewer)
    if source_chat is not None:
        # Looked up when opened: the groups feature builds it at its registration (it needs
        # the Telegram chat-admin adapter), so the router cannot inject it yet.
        groups = dependencies.service(GroupService)
        await groups.opened_from_chat(source_chat, gig_id, viewer)
    if card.seller.id == viewer:
        await reply(update, context, gig_card(_, card), panel(_, card, _("This is your gig.")))
        return
    await reply(update, context, gig_card(_, card, buyer_buttons(_, card)))


def register(app: AnyApplication) -> None:
    routes.register(app)
