"""Inline mode: `@<bot> logo design` in any chat lists gigs; "Order" opens the bot.

Telegram's rules are kept here: at most 50 results per answer (we send 20), result ids unique
within an answer (`gig<id>`), and `next_offset` for the next page (empty when there is none).
Cards in other chats carry only a URL button, a deep link into a private chat with the bot,
because callback buttons there would reach the bot without a private chat to answer in.
"""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode

from bot.handlers.context import AnyApplication, AnyContext, Deps
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.services.discovery.search import DiscoveryService, ResultRow
from bot.telegram.cards import deep_link
from bot.telegram.messages import escape, truncate

PAGE = 20
MAX_RESULTS = 50  # Telegram's limit per answerInlineQuery
MAX_OFFSET = 1000


def parse_offset(raw: str) -> int:
    """The offset Telegram hands back (ours, but a client may send anything)."""
    return int(raw) if raw.isdigit() and int(raw) <= MAX_OFFSET else 0


def article(_: Translator, row: ResultRow, bot_username: str) -> InlineQueryResultArticle:
    stars = (
        _("⭐ {average} ({count})", average=f"{row.rating_average:.1f}", count=row.rating_count)
        if row.rating_count
        else _("⭐ new")
    )
    price = _("from {price}", price=row.price.format())
    text = (
        f"<b>{escape(row.title)}</b>\n{escape(price)} · {escape(stars)}\n\n"
        f"{escape(truncate(row.description, 600))}"
    )
    button = InlineKeyboardButton(
        _("🛒 Order in Gig Broker"), url=deep_link(bot_username, row.gig_id)
    )
    return InlineQueryResultArticle(
        id=f"gig{row.gig_id}",
        title=truncate(row.title, 100),
        description=f"{price} · {stars}",
        input_message_content=InputTextMessageContent(text, parse_mode=ParseMode.HTML),
        reply_markup=InlineKeyboardMarkup([[button]]),
    )


routes = Routes()


@routes.inline_query()
async def answer(
    _: Translator,
    discovery: DiscoveryService,
    dependencies: Deps,
    update: Update,
    context: AnyContext,
) -> None:
    query = update.inline_query
    if query is None:
        return
    offset = parse_offset(query.offset)
    rows, total = await discovery.rows(query.query, offset, PAGE)
    username = dependencies.bot_username or (context.bot.username or "")
    results = [article(_, row, username) for row in rows[:MAX_RESULTS]]
    following = offset + PAGE
    await query.answer(
        results,
        cache_time=30,
        next_offset=str(following) if following < total and following <= MAX_OFFSET else "",
    )


def register(app: AnyApplication) -> None:
    routes.register(app)
