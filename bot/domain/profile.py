"""What a seller profile may say: display name, short bio, skills, languages, time zone.

Pure checks in the style of `limits`: each returns the cleaned value or raises
`ValidationFailed` whose message says what is accepted, so the conversation can show it and ask
again. Kept apart from `limits` because the profile belongs to a user, not to a gig.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.timezones import MAX_OFFSET_HOURS, UTC_OFFSET
from bot.errors import ValidationFailed
from bot.i18n.markers import N_


@dataclass(frozen=True)
class ProfileLimits:
    display_name_min: int = 2
    display_name_max: int = 40
    bio_min: int = 10
    bio_max: int = 300
    list_items_max: int = 10
    list_item_max: int = 30


DEFAULT_PROFILE_LIMITS = ProfileLimits()



def _length(text: str, low: int, high: int, field: str, message: str) -> str:
    if not low <= len(text) <= high:
        raise ValidationFailed(message, field=field, min=low, max=high, length=len(text))
    return text


def validate_display_name(text: str, limits: ProfileLimits = DEFAULT_PROFILE_LIMITS) -> str:
    return _length(
        " ".join(text.split()),
        limits.display_name_min,
        limits.display_name_max,
        "display_name",
        N_("Your display name must be {min} to {max} characters long; yours has {length}."),
    )


def validate_bio(text: str, limits: ProfileLimits = DEFAULT_PROFILE_LIMITS) -> str:
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    return _length(
        "\n".join(line for line in lines if line),
        limits.bio_min,
        limits.bio_max,
        "bio",
        N_("Your bio must be {min} to {max} characters long; yours has {length}."),
    )


def validate_list(text: str, field: str, limits: ProfileLimits = DEFAULT_PROFILE_LIMITS) -> str:
    """Skills or languages: comma separated, each item short, repeats dropped."""
    items: list[str] = []
    for raw in text.split(","):
        item = " ".join(raw.split())
        if not item:
            continue
        if len(item) > limits.list_item_max:
            raise ValidationFailed(
                N_("Each item may be at most {max} characters long; “{item}” has {length}."),
                field=field,
                max=limits.list_item_max,
                item=item,
                length=len(item),
            )
        if item.casefold() not in (i.casefold() for i in items):
            items.append(item)
    if not 1 <= len(items) <= limits.list_items_max:
        raise ValidationFailed(
            N_("Please list 1 to {max} items separated by commas; you gave {count}."),
            field=field,
            max=limits.list_items_max,
            count=len(items),
        )
    return ", ".join(items)


def validate_timezone(text: str) -> str:
    """An IANA zone ("Europe/Berlin") or a UTC offset ("UTC+5:30"), normalised."""
    cleaned = text.strip()
    match = UTC_OFFSET.fullmatch(cleaned)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if hours <= MAX_OFFSET_HOURS and minutes < 60:
            return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")
    elif cleaned.upper() in ("UTC", "GMT"):
        return "UTC"
    elif re.fullmatch(r"[A-Za-z_]+(?:/[A-Za-z0-9_+\-]+){1,2}", cleaned):
        try:
            return ZoneInfo(cleaned).key
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ValidationFailed(
        N_(
            "“{value}” is not a time zone I know. Send a zone like Europe/Berlin or "
            "America/New_York, or an offset like UTC+2 or UTC-5:30."
        ),
        field="timezone",
        value=cleaned[:40],
    )
