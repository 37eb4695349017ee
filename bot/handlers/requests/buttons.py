"""The buttons of buyer requests, custom offers and followed searches, declared once.

Several modules show them (the discovery results carry Follow, the digest carries Stop, the
outbox renderers carry the offer buttons), so they are declared here and registered by the
module that answers them.
"""

from __future__ import annotations

from enum import StrEnum

from bot.callbacks import action
from bot.i18n.catalogs import Translator
from bot.telegram.messages import Button

#: A buyer's request: pick its category; post it (one-time token of the summary).
BRIEF_CATEGORY = action("rqc", cat=str)
BRIEF_POST = action("rqp", token=str)
#: A freelancer starts a custom offer for a request.
OFFER_START = action("rqo", req=int)
#: The buyer's answer to an offer.
OFFER_ACCEPT = action("ofa", offer=int)
OFFER_DECLINE = action("ofd", offer=int)


class FollowKind(StrEnum):
    """What list the Follow button is under: the buyer's last words, or a category."""

    WORDS = "w"
    CATEGORY = "b"


#: Follow the search on screen: by words (the buyer's last words) or a category.
FOLLOW = action("ssf", kind=FollowKind, cat=str)
#: Stop a followed search.
STOP_FOLLOWING = action("sss", search=int)
FOLLOW_WORDS, FOLLOW_CATEGORY = FollowKind.WORDS, FollowKind.CATEGORY


def follow_button(_: Translator, kind: str, category: str = "") -> Button:
    """The button under a result list (discovery shows it for words and for a category)."""
    return Button(_("🔔 Follow this search"), FOLLOW.pack(kind=kind, cat=category))
