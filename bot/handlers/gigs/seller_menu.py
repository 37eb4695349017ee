"""The seller's menu, opened by "💼 Sell a service" on /start.

Each entry is a `sell:<item>` button; the feature that owns the item declares a route for that
one entry (`routes.button(SELLER, item=...)`: gig creation, my gigs, profile, payouts), so this
module knows none of them.
"""

from __future__ import annotations

from enum import StrEnum

from telegram import Update

from bot.callbacks import action
from bot.handlers.context import AnyApplication, AnyContext
from bot.handlers.replies import acknowledge, reply
from bot.handlers.router import Routes
from bot.handlers.start import MENU, SELL
from bot.i18n.catalogs import Translator
from bot.telegram.messages import Button, OutgoingMessage


class SellerItem(StrEnum):
    """The seller menu's entries; an entry the bot never drew is refused by the codec."""

    CREATE = "create"
    GIGS = "gigs"
    PROFILE = "profile"
    PAYOUTS = "payouts"
    HOME = "home"


SELLER = action("sell", item=SellerItem)
CREATE, GIGS, PROFILE, PAYOUTS, HOME = (
    SellerItem.CREATE,
    SellerItem.GIGS,
    SellerItem.PROFILE,
    SellerItem.PAYOUTS,
    SellerItem.HOME,
)


def back_to_menu(_: Translator) -> Button:
    return Button(_("⬅️ Seller menu"), SELLER.pack(item=HOME))


def seller_menu(_: Translator) -> OutgoingMessage:
    return OutgoingMessage(
        _(
            "<b>Sell a service</b>\n"
            "Create a gig, manage the ones you have, tell buyers about yourself and set up "
            "how you get paid."
        ),
        buttons=(
            (Button(_("➕ Create a gig"), SELLER.pack(item=CREATE)),),
            (
                Button(_("📋 My gigs"), SELLER.pack(item=GIGS)),
                Button(_("👤 My profile"), SELLER.pack(item=PROFILE)),
            ),
            (Button(_("💳 Payout settings"), SELLER.pack(item=PAYOUTS)),),
        ),
    )


routes = Routes()


@routes.button(MENU, item=SELL)
@routes.button(SELLER, item=HOME)
async def show_menu(_: Translator, update: Update, context: AnyContext) -> None:
    await acknowledge(update)
    await reply(update, context, seller_menu(_))


def register(app: AnyApplication) -> None:
    routes.register(app)
