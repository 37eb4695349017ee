"""The seller's menu, opened by "💼 Sell a service" on /start.

Each entry is a `sell:<item>` button; the flow that owns the item registers its own handler for
it (gig_create, gig_manage, profile, payouts), so this module knows none of them.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.callbacks import action
from bot.handlers.context import AnyApplication, AnyContext, deps_of, translator
from bot.handlers.replies import acknowledge, reply
from bot.handlers.start import MENU, SELL
from bot.i18n.catalogs import Translator
from bot.telegram.messages import Button, OutgoingMessage

SELLER = action("sell", item=str)
CREATE, GIGS, PROFILE, PAYOUTS, HOME = "create", "gigs", "profile", "payouts", "home"


def pattern(item: str) -> str:
    """The handler pattern of one seller-menu entry."""
    return rf"^{SELLER.prefix}:{item}$"


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


async def show_menu(update: Update, context: AnyContext) -> None:
    _ = translator(update, context)
    await acknowledge(update)
    await reply(update, context, seller_menu(_))


def register(app: AnyApplication) -> None:
    deps_of(app).callbacks.register(SELLER)
    app.add_handler(CallbackQueryHandler(show_menu, pattern=rf"^{MENU.prefix}:{SELL}$"))
    app.add_handler(CallbackQueryHandler(show_menu, pattern=pattern(HOME)))
