"""Payout settings: Stripe Connect onboarding and whether payouts are enabled.

The onboarding link is a URL button (Stripe's form opens in the browser) whose return URL is a
deep link back into the bot (`start=payouts`), which checks the account on arrival. Stars
earnings are settled by the operator (Telegram cannot pay Stars out), so they get one line.
"""

from __future__ import annotations

from enum import StrEnum

from telegram import Update

from bot.callbacks import action
from bot.handlers.context import AnyApplication, AnyContext, Deps, deps, deps_of, translator
from bot.handlers.gigs import seller_menu
from bot.handlers.replies import acknowledge, identity, reply
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.services.payouts.onboarding import ConnectOnboarding, PayoutStatus
from bot.services.ports import TelegramIdentity
from bot.telegram.messages import Button, OutgoingMessage


class PayoutOp(StrEnum):
    """The payout panel's buttons: a Stripe onboarding link, or check the account again."""

    LINK = "link"
    CHECK = "check"


PO = action("po", op=PayoutOp)
LINK, CHECK = PayoutOp.LINK, PayoutOp.CHECK
DEEP_LINK_PREFIX = "payouts"


def return_url(bot_username: str) -> str:
    return f"https://t.me/{bot_username}?start={DEEP_LINK_PREFIX}"


def payout_message(_: Translator, status: PayoutStatus) -> OutgoingMessage:
    stars = _("⭐ Telegram Stars earnings are settled with you by the operator of this bot.")
    back = (seller_menu.back_to_menu(_),)
    rows: tuple[tuple[Button, ...], ...]
    if not status.configured:
        text = _(
            "<b>Payout settings</b>\nCard payouts are not configured by the operator of this "
            "bot, so there is nothing to set up here."
        )
        return OutgoingMessage(text + "\n\n" + stars, buttons=(back,))
    if status.payouts_enabled:
        text = _(
            "<b>Payout settings</b>\n✅ Payouts are enabled. Card earnings go to your Stripe "
            "account."
        )
        rows = ((Button(_("🔄 Check again"), PO.pack(op=CHECK)),), back)
    elif status.account_id is None:
        text = _(
            "<b>Payout settings</b>\nCard payouts go through Stripe. Set up your payout account "
            "once (a few minutes on Stripe's site). You can sell before that; payouts wait until "
            "it is done."
        )
        rows = ((Button(_("💳 Set up payouts with Stripe"), PO.pack(op=LINK)),), back)
    else:
        text = _(
            "<b>Payout settings</b>\n⏳ Payouts are not enabled yet: Stripe still needs some "
            "details. You can keep selling; payouts wait until onboarding is finished."
        )
        rows = (
            (Button(_("💳 Continue on Stripe"), PO.pack(op=LINK)),),
            (Button(_("🔄 Check status"), PO.pack(op=CHECK)),),
            back,
        )
    return OutgoingMessage(text + "\n\n" + stars, buttons=rows)


routes = Routes()


@routes.button(seller_menu.SELLER, item=seller_menu.PAYOUTS)
async def show_payouts(
    user: TelegramIdentity,
    _: Translator,
    onboarding: ConnectOnboarding,
    update: Update,
    context: AnyContext,
) -> None:
    status = await onboarding.status(user)
    await acknowledge(update)
    await reply(update, context, payout_message(_, status))


@routes.button(PO)
async def on_button(
    op: PayoutOp,
    user: TelegramIdentity,
    _: Translator,
    onboarding: ConnectOnboarding,
    dependencies: Deps,
    update: Update,
    context: AnyContext,
) -> None:
    if op is PayoutOp.LINK:
        url = await onboarding.onboarding_link(user, return_url(dependencies.bot_username))
        await acknowledge(update)
        text = _(
            "Open Stripe to set up your payouts. When you are done, Stripe sends you back here. "
            "The link works once and expires soon; ask for a new one any time."
        )
        button = Button(_("Open Stripe onboarding"), url=url)
        await reply(update, context, OutgoingMessage(text, buttons=((button,),)))
        return
    status = await onboarding.status(user, refresh=True)
    await acknowledge(update)
    await reply(update, context, payout_message(_, status))


async def back_from_stripe(update: Update, context: AnyContext, rest: str) -> None:
    _ = translator(update, context)
    status = await deps(context).service(ConnectOnboarding).status(identity(update), refresh=True)
    await reply(update, context, payout_message(_, status))


def register(app: AnyApplication) -> None:
    deps_of(app).deep_links[DEEP_LINK_PREFIX] = back_from_stripe
    routes.register(app)
