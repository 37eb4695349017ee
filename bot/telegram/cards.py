"""The gig card: the one rendering of a gig that buyers see, wherever they see it.

Private chats, the creation preview, shared cards, and later group posts and inline results all
call `gig_card`, so a gig looks the same everywhere. The card is a photo with an HTML caption;
every piece of user text is escaped, and the description is shortened so the caption stays
within Telegram's 1024 characters (counted as Telegram does: UTF-16 units of the visible text).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from bot.callbacks import action
from bot.domain.gig import PACKAGE_TIER_LABELS, category_label
from bot.i18n.catalogs import Translator
from bot.services.gigs.catalog import GigCard
from bot.telegram.messages import MAX_CAPTION, Button, OutgoingMessage, escape

#: A buyer's "Order" button on a gig card; bot/handlers/orders/ordering.py answers it.
ORDER_GIG = action("order", gig=int)
#: "More like this" under a gig card: a list of similar live gigs (page). Declared here, next to
#: the card, so every card's buyer buttons carry it; bot/handlers/discovery/browse.py answers it.
SIMILAR = action("fm", gig=int, page=int)

_TAG = re.compile(r"<[^>]+>")


def visible_length(html_text: str) -> int:
    """What Telegram counts against its limits: the parsed text, in UTF-16 code units."""
    plain = html.unescape(_TAG.sub("", html_text))
    return len(plain.encode("utf-16-le")) // 2


def deep_link(bot_username: str, gig_id: int) -> str:
    return f"https://t.me/{bot_username}?start=gig_{gig_id}"


def _caption(_: Translator, card: GigCard, description: str) -> str:
    spec = card.spec
    basic = spec.packages[0]
    seller = card.seller
    lines = [
        f"<b>{escape(spec.title)}</b>",
        _("👤 {name} · {level}", name=escape(seller.public_name), level=_(card.level)),
        _rating_line(_, card),
        _(
            "💰 From <b>{price}</b> · 🕒 {days}-day delivery",
            price=escape(spec.starting_price.format()),
            days=basic.delivery_days,
        ),
        _("🏷 {category}", category=escape(_(category_label(spec.category)))),
    ]
    if seller.languages:
        lines.append(_("🗣 {languages}", languages=escape(seller.languages)))
    if len(spec.packages) > 1:
        tiers = " · ".join(
            f"{escape(_(PACKAGE_TIER_LABELS[p.tier]))} {escape(p.price.format())}"
            for p in spec.packages
        )
        lines.append(tiers)
    text = "\n".join(lines)
    if description:
        text += "\n\n" + escape(description)
    return text


def _rating_line(_: Translator, card: GigCard) -> str:
    """Buyers' average stars and the number of reviews, from the reviews table."""
    if not card.rating_count:
        return _("⭐ No reviews yet")
    return _(
        "⭐ {average} ({count} reviews)",
        average=f"{card.rating_average:.1f}",
        count=card.rating_count,
    )


def gig_card_caption(_: Translator, card: GigCard) -> str:
    """The caption, with the description cut (on plain text, never inside an escape)."""
    description = card.spec.description
    caption = _caption(_, card, description)
    while description and (len(caption) > MAX_CAPTION or visible_length(caption) > MAX_CAPTION):
        overflow = max(len(caption) - MAX_CAPTION, visible_length(caption) - MAX_CAPTION)
        keep = max(0, len(description) - overflow - 1)
        description = description[:keep].rstrip() + "…" if keep else ""
        caption = _caption(_, card, description)
    return caption


def gig_card(
    _: Translator, card: GigCard, buttons: Sequence[Sequence[Button]] = ()
) -> OutgoingMessage:
    """The card as one photo message (the first photo) with `buttons` under it."""
    return OutgoingMessage(gig_card_caption(_, card), buttons=buttons, photo=card.spec.photos[0])


def buyer_buttons(_: Translator, card: GigCard) -> tuple[tuple[Button, ...], ...]:
    """What a buyer can do from a card: order it, or see more like it (on every card)."""
    if card.gig_id is None:
        return ()
    label = _("🛒 Order from {price}", price=card.spec.starting_price.format())
    return (
        (Button(label, ORDER_GIG.pack(gig=card.gig_id)),),
        (Button(_("🔁 More like this"), SIMILAR.pack(gig=card.gig_id, page=0)),),
    )


def share_buttons(
    _: Translator, card: GigCard, bot_username: str
) -> tuple[tuple[Button, ...], ...]:
    """URL buttons only, so the card works for whoever it is forwarded to."""
    if card.gig_id is None or not bot_username:
        return ()
    return ((Button(_("Open in Gig Broker"), url=deep_link(bot_username, card.gig_id)),),)
