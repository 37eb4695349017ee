"""/referrals for operators: the referral shares owed to groups' admins, settled by a tap.

Thin on purpose, like /payouts for Stars earnings: `ReferralService` checks that the user is
an operator and that the balance is still what the message showed (a double tap is refused).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import filters

from bot.callbacks import action
from bot.domain.money import Money
from bot.handlers.context import AnyApplication
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.services.groups.referrals import ReferralOwed, ReferralService
from bot.telegram.messages import Button, OutgoingMessage, escape

SETTLE_REFERRAL = action("rsettle", chat=int, currency=str, amount=int)


def _chat_name(item: ReferralOwed) -> str:
    """The chat as an operator recognises it: its title and its id to be sure."""
    if not item.title:
        return f"#{item.chat_id}"
    return f"<b>{escape(item.title)}</b> (#{item.chat_id})"


routes = Routes()


@routes.command("referrals", filters.ChatType.PRIVATE)
async def referrals_command(_: Translator, referrals: ReferralService, update: Update) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    owed = await referrals.owed(user.id)
    if not owed:
        await message.reply_html(_("No group is owed a referral share."))
        return
    for item in owed:
        button = Button(
            _("Mark as settled"),
            SETTLE_REFERRAL.pack(
                chat=item.chat_id, currency=item.amount.currency, amount=item.amount.amount_minor
            ),
        )
        await message.reply_html(
            _(
                "The admins of {chat} are owed {amount} in referral shares.",
                chat=_chat_name(item),
                amount=escape(item.amount.format()),
            ),
            reply_markup=OutgoingMessage("", ((button,),)).markup(),
        )


@routes.button(SETTLE_REFERRAL)
async def settle_referral(
    chat: int,
    currency: str,
    amount: int,
    _: Translator,
    referrals: ReferralService,
    update: Update,
) -> None:
    query = update.callback_query
    if query is None:
        return
    await referrals.settle(query.from_user.id, chat, Money(amount, currency))
    await query.answer(_("Settlement recorded."))


def register(app: AnyApplication) -> None:
    routes.register(app)
