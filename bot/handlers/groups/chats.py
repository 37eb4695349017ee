"""Groups and channels: the bot added or removed, supergroup migration, the settings panel,
/gigsettings, /pause, /post, /groupstats, and /promote for freelancers (private chat).

Thin on purpose: rights are checked by `GroupService` (getChatMember behind a port) before
every change, posting rules live in `BroadcastService`, texts and keyboards in
`group_settings_ui`. Refusals are raised and shown by the one error handler.
"""

from __future__ import annotations

import logging
import re

from telegram import Chat, ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes, filters

from bot.domain.money import Money
from bot.errors import ValidationFailed
from bot.handlers.context import AnyApplication, AnyContext, Deps, deps_of
from bot.handlers.gigs.panel import promoted
from bot.handlers.groups import referrals as group_referrals
from bot.handlers.groups.settings_ui import (
    MAIN,
    SETTINGS,
    GroupOp,
    chat_translator,
    panel,
    settings_button,
    view_after,
    welcome,
)
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.groups.broadcast import BroadcastService
from bot.services.groups.subscriptions import GroupService
from bot.telegram.group_posts import GroupPostHook, register_delivery
from bot.telegram.messages import OutgoingMessage

log = logging.getLogger(__name__)

IN_GROUPS = filters.ChatType.GROUPS
PRIVATE = filters.ChatType.PRIVATE
_GIG_REF = re.compile(r"(?:start=gig_|^gig_|^#?)(\d{1,18})(?:_|$|\b)")
PRESENT = frozenset({ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR})
GONE = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.BANNED})


class GigReferenceNeeded(ValidationFailed):
    default_message = N_("Tell me which gig: /post 42, or /post followed by the gig's t.me link.")


def gig_reference(text: str) -> int:
    """A gig id from `42`, `gig_42` or a `t.me/<bot>?start=gig_42...` link."""
    match = _GIG_REF.search(text.strip())
    if match is None:
        raise GigReferenceNeeded()
    return int(match.group(1))


async def _say(update: Update, message: OutgoingMessage) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_html(message.text, reply_markup=message.markup())


routes = Routes()


@routes.my_chat_member()
async def bot_membership(
    _: Translator, groups: GroupService, update: Update, context: AnyContext
) -> None:
    """Added: set the chat up (paused until an admin starts it). Removed: stop posting."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type == Chat.PRIVATE:
        return
    old, new = change.old_chat_member.status, change.new_chat_member.status
    if new in GONE:
        await groups.removed(change.chat.id)
        return
    if new not in PRESENT or old in PRESENT:
        return  # promoted or demoted: still in, nothing to set up
    chat = await groups.joined(
        change.chat.id, change.chat.title or "", change.chat.type, change.from_user.id
    )
    message = welcome(_, chat)
    target = change.chat.id if change.chat.type != Chat.CHANNEL else change.from_user.id
    if change.chat.type == Chat.CHANNEL:  # nobody can tap buttons in a channel: ask privately
        message = panel(_, chat, MAIN, groups.currency)
    try:
        await context.bot.send_message(
            target, message.text, parse_mode=ParseMode.HTML, reply_markup=message.markup()
        )
    except (Forbidden, BadRequest) as exc:
        log.info("could not send the setup message for chat %s: %s", change.chat.id, exc)


@routes.message(filters.StatusUpdate.MIGRATE)
async def migrated(groups: GroupService, update: Update) -> None:
    """A basic group became a supergroup: both service messages carry the pair of ids."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        await groups.migrated(message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        await groups.migrated(message.migrate_from_chat_id, message.chat.id)


@routes.command("gigsettings", IN_GROUPS)
async def gigsettings(
    groups: GroupService, dependencies: Deps, update: Update, context: AnyContext
) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    args = context.args or []
    settings = await groups.settings(chat.id, user.id, chat.title or "", chat.type)
    if len(args) >= 2 and args[0].lower() in ("tz", "timezone"):
        settings = await groups.change(chat.id, user.id, GroupOp.TZ, args[1])
    _ = chat_translator(dependencies.catalogs, settings)
    await _say(update, panel(_, settings, MAIN, groups.currency))


@routes.command("gigsettings", PRIVATE)
async def my_chats(_: Translator, groups: GroupService, update: Update) -> None:
    """/gigsettings in private: the chats this user added the bot to (channels live here)."""
    user = update.effective_user
    if user is None:
        return
    chats = await groups.chats_added_by(user.id)
    if not chats:
        await _say(update, OutgoingMessage(_("Add me to a group or channel first, as an admin.")))
        return
    rows = tuple((settings_button("⚙️ " + c.title, c, GroupOp.OPEN, MAIN),) for c in chats)
    await _say(update, OutgoingMessage(_("Which chat do you want to set up?"), buttons=rows))


@routes.button(SETTINGS)
async def settings_tap(
    chat: int,
    op: GroupOp,
    arg: str,
    groups: GroupService,
    dependencies: Deps,
    update: Update,
) -> None:
    query = update.callback_query
    if query is None or query.from_user is None:
        return
    if op is GroupOp.OPEN:
        shown, view = await groups.settings(chat, query.from_user.id), arg
    else:
        shown, view = await groups.change(chat, query.from_user.id, op, arg), view_after(op)
    message = panel(chat_translator(dependencies.catalogs, shown), shown, view, groups.currency)
    await query.answer()
    try:
        await query.edit_message_text(
            message.text, parse_mode=ParseMode.HTML, reply_markup=message.markup()
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


@routes.command("pause", IN_GROUPS)
async def pause(_: Translator, groups: GroupService, update: Update) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    await groups.change(chat.id, user.id, GroupOp.PAUSE, "")
    await _say(
        update, OutgoingMessage(_("⏸ Gig posts are paused here. /gigsettings starts them again."))
    )


@routes.command("post", IN_GROUPS)
async def post(
    _: Translator, broadcast: BroadcastService, update: Update, context: AnyContext
) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    gig_id = gig_reference(" ".join(context.args or []))
    await broadcast.post_manual(chat.id, user.id, gig_id)
    await _say(update, OutgoingMessage(_("📣 On its way: the gig will be posted here shortly.")))


@routes.command("groupstats", IN_GROUPS)
async def groupstats(_: Translator, groups: GroupService, update: Update) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    stats = await groups.stats(chat.id, user.id)
    revenue = ", ".join(
        Money(amount, currency).format() for currency, amount in sorted(stats.revenue_minor.items())
    )
    referral = ", ".join(
        Money(amount, currency).format()
        for currency, amount in sorted(stats.referral_minor.items())
    )
    text = _(
        "📊 <b>Gig Broker in this chat</b>\n"
        "Posts: {posts}\n"
        "Gig links opened: {views} (by {viewers} people)\n"
        "Orders from these links: {orders} ({paid} paid, {completed} completed)\n"
        "Revenue of completed orders: {revenue}",
        posts=stats.posts,
        views=stats.views,
        viewers=stats.viewers,
        orders=stats.orders,
        paid=stats.paid_orders,
        completed=stats.completed_orders,
        revenue=revenue or "0",
    )
    text += "\n" + _(
        "Referral share owed to this chat's admins: {referral} (paid out by the marketplace's "
        "operator)",
        referral=referral or "0",
    )
    await _say(update, OutgoingMessage(text))


@routes.command("promote", PRIVATE)
async def promote(
    _: Translator, broadcast: BroadcastService, update: Update, context: AnyContext
) -> None:
    """/promote <gig>: a freelancer offers their gig to chats that accept promotions."""
    user = update.effective_user
    if user is None:
        return
    gig_id = gig_reference(" ".join(context.args or []))
    count = await broadcast.promote(user.id, gig_id)
    await _say(update, OutgoingMessage(promoted(_, count)))


async def digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The scheduler's sweep for digests (idempotent: one digest per chat and local day)."""
    try:
        await deps_of(context.application).service(BroadcastService).digest_sweep()
    except Exception:
        log.exception("digest sweep failed")


def register(app: AnyApplication) -> None:
    dependencies = deps_of(app)
    groups, broadcast = dependencies.service(GroupService), dependencies.service(BroadcastService)
    register_delivery(
        dependencies.renderers, GroupPostHook(broadcast, groups, lambda: dependencies.bot_username)
    )
    group_referrals.register(app)  # operators settle the referral balances /groupstats shows
    routes.register(app)
    if app.job_queue is not None:
        interval = dependencies.settings.sweep_interval.total_seconds()
        app.job_queue.run_repeating(digest_job, interval=interval, first=interval)
