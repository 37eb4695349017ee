"""Followed searches: "🔔 Follow this search" on results, /following, Stop, the daily digest.

The Follow button carries only what kind of list it is under (the buyer's words are kept by
the discovery service, as for paging); the digest is queued by the scheduler's sweep and
rendered here with a button per gig and a Stop button per search.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import Update
from telegram.ext import filters

from bot.domain.gig import CATEGORY_LABELS, Category
from bot.handlers.context import AnyApplication, AnyContext, Deps, deps_of
from bot.handlers.discovery.browse import OPEN
from bot.handlers.replies import acknowledge, reply
from bot.handlers.requests.buttons import FOLLOW, STOP_FOLLOWING, FollowKind
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.services.discovery.search import DiscoveryService
from bot.services.notices import SavedDigest, payload_of
from bot.services.ports import TelegramIdentity
from bot.services.requests.saved_searches import DIGEST_KIND, SavedSearchService
from bot.telegram.messages import Button, OutgoingMessage, escape, truncate


def describe(_: Translator, text: str, category: str | None) -> str:
    """A followed search in a few words: its words, its category, or both."""
    parts = [f"“{truncate(text, 40)}”"] if text else []
    if category:
        try:
            parts.append(_(CATEGORY_LABELS[Category(category)]))
        except ValueError:
            parts.append(category)
    return " · ".join(parts) or _("All services")


routes = Routes()


@routes.button(FOLLOW)
async def follow(
    kind: FollowKind,
    cat: str,
    who: TelegramIdentity,
    _: Translator,
    discovery: DiscoveryService,
    service: SavedSearchService,
    dependencies: Deps,
    update: Update,
    context: AnyContext,
) -> None:
    user_id = who.id
    # The filters the buyer picked on the list are part of the search they follow.
    picked = await discovery.chat_filters(user_id)
    currency = dependencies.settings.currency
    if kind is FollowKind.WORDS:
        text = await discovery.last_query(user_id)
        search_filters = picked.search_filters(currency)
    else:
        try:
            category: Category | None = Category(cat)
        except ValueError:
            category = None
        text, search_filters = "", picked.search_filters(currency, category)
    followed = await service.follow(user_id, text, search_filters, who)
    category_value = followed.filters.category.value if followed.filters.category else None
    await acknowledge(update, _("Following."))
    message = _(
        "🔔 Following {search}. New matching gigs arrive in a daily digest at 9:00 your time; "
        "/following lists and stops them.",
        search=escape(describe(_, followed.text, category_value)),
    )
    await reply(update, context, OutgoingMessage(message))


@routes.command("following", filters.ChatType.PRIVATE)
async def following(
    user: TelegramIdentity,
    _: Translator,
    service: SavedSearchService,
    update: Update,
    context: AnyContext,
) -> None:
    searches = await service.following(user.id)
    if not searches:
        text = _("You follow no searches. Search, then tap 🔔 Follow this search.")
        await reply(update, context, OutgoingMessage(text))
        return
    lines, rows = [_("<b>🔔 Followed searches</b>")], []
    for number, search in enumerate(searches, start=1):
        category = search.filters.category.value if search.filters.category else None
        label = describe(_, search.text, category)
        lines.append(f"{number}. {escape(label)}")
        stop = _("🔕 Stop {number}: {search}", number=number, search=truncate(label, 30))
        rows.append((Button(stop, STOP_FOLLOWING.pack(search=search.id)),))
    await reply(update, context, OutgoingMessage("\n".join(lines), buttons=rows))


@routes.button(STOP_FOLLOWING)
async def stop(
    search: int,
    user: TelegramIdentity,
    _: Translator,
    service: SavedSearchService,
    update: Update,
    context: AnyContext,
) -> None:
    stopped = await service.stop(user.id, search)
    category = stopped.filters.category.value if stopped.filters.category else None
    await acknowledge(update, _("Stopped."))
    text = _("🔕 Stopped following {search}.", search=escape(describe(_, stopped.text, category)))
    await reply(update, context, OutgoingMessage(text))


def render_digest(_: Translator, p: Mapping[str, Any]) -> OutgoingMessage:
    """Today's new gigs for the user's followed searches: open buttons, then Stop buttons."""
    n = payload_of(SavedDigest, p)
    searches = {int(s["id"]): s for s in n.searches}
    lines = [_("🔔 <b>New gigs for the searches you follow</b>")]
    rows: list[tuple[Button, ...]] = []
    for search_id, search in searches.items():
        label = describe(_, str(search.get("text", "")), search.get("category"))
        gigs = [g for g in n.gigs if int(g["search"]) == search_id]
        lines.append(_("{search}: {count} new", search=escape(label), count=len(gigs)))
        for gig in gigs:
            rows.append((Button(truncate(str(gig["title"]), 60), OPEN.pack(gig=int(gig["id"]))),))
    for search_id, search in searches.items():
        label = describe(_, str(search.get("text", "")), search.get("category"))
        text = _("🔕 Stop {search}", search=truncate(label, 40))
        rows.append((Button(text, STOP_FOLLOWING.pack(search=search_id)),))
    return OutgoingMessage("\n".join(lines), buttons=rows)


def register(app: AnyApplication) -> None:
    deps_of(app).renderers.register(DIGEST_KIND, render_digest)
    routes.register(app)
