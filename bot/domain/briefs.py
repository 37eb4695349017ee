"""Buyer requests ("briefs"), freelancers' custom offers and followed searches: pure rules.

A brief is what a buyer needs (words, a category, a budget, a deadline); matched freelancers
answer with a custom offer (price, delivery days, description) that the buyer accepts into a
normal order. Why these rules live here: the guided chats, the services and the tests must
agree on the same bounds, and an offer's price obeys the same per-currency range as a package
(`GigLimits.price_range`), so an offer can never buy what a gig could not sell.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from bot.domain.groups import local_day, next_digest_at, zone
from bot.domain.limits import DEFAULT_LIMITS, GigLimits, validate_delivery_days, validate_price
from bot.domain.money import Money, parse_price
from bot.errors import ValidationFailed
from bot.i18n.markers import N_

BRIEF_TEXT_MIN, BRIEF_TEXT_MAX = 20, 1000
OFFER_TEXT_MIN, OFFER_TEXT_MAX = 10, 1000
#: A followed search's digest goes out at this local hour (the user's time zone, else UTC).
DIGEST_HOUR = 9
#: At most this many gigs in one digest message.
DIGEST_MAX_GIGS = 10
DEFAULT_TIMEZONE = "UTC"


class BriefStatus(StrEnum):
    open = "open"  # freelancers may still send offers
    accepted = "accepted"  # the buyer accepted one offer; the others are closed
    expired = "expired"  # REQUEST_TTL passed without an accepted offer


class OfferStatus(StrEnum):
    pending = "pending"  # waiting for the buyer
    accepted = "accepted"  # became an order (the offer keeps its id)
    declined = "declined"  # the buyer said no
    closed = "closed"  # another offer was accepted, or the request expired


def _clean(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def validate_brief_text(text: str) -> str:
    """What the buyer needs, paragraphs kept; long enough to match on, short enough to read."""
    cleaned = _clean(text)
    if not BRIEF_TEXT_MIN <= len(cleaned) <= BRIEF_TEXT_MAX:
        raise ValidationFailed(
            N_("Please describe what you need in {min} to {max} characters; yours has {length}."),
            field="text",
            min=BRIEF_TEXT_MIN,
            max=BRIEF_TEXT_MAX,
            length=len(cleaned),
        )
    return cleaned


def validate_offer_text(text: str) -> str:
    cleaned = _clean(text)
    if not OFFER_TEXT_MIN <= len(cleaned) <= OFFER_TEXT_MAX:
        raise ValidationFailed(
            N_("The offer's description must be {min} to {max} characters; yours has {length}."),
            field="description",
            min=OFFER_TEXT_MIN,
            max=OFFER_TEXT_MAX,
            length=len(cleaned),
        )
    return cleaned


def parse_amount(text: str, currency: str, limits: GigLimits = DEFAULT_LIMITS) -> Money:
    """A typed budget or offer price ("25", "$25.50"), inside the currency's price range."""
    return validate_price(parse_price(text, currency), limits)


def validate_days(value: int | str, limits: GigLimits = DEFAULT_LIMITS) -> int:
    """A deadline or delivery time: the same bounds as a package's delivery days."""
    return validate_delivery_days(value, limits)


def is_expired(expires_at: datetime, now: datetime) -> bool:
    return expires_at <= now


def safe_zone_name(name: str | None) -> str:
    """The user's time zone when it is one we know; UTC otherwise (never an error here)."""
    if not name:
        return DEFAULT_TIMEZONE
    try:
        zone(name)
    except ValidationFailed:
        return DEFAULT_TIMEZONE
    return name


def next_digest(now: datetime, timezone: str | None) -> datetime:
    """The next DIGEST_HOUR in the user's zone strictly after `now` (UTC-aware)."""
    return next_digest_at(now, safe_zone_name(timezone), DIGEST_HOUR)


def digest_day(now: datetime, timezone: str | None) -> date:
    """The user's local day: at most one digest per user and local day."""
    return local_day(now, safe_zone_name(timezone))
