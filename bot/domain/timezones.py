"""Time zones as users and group admins write them: IANA names or plain UTC offsets.

One resolver for every place that turns a stored zone into a `tzinfo` (order due dates, group
digests, followed-search digests), so a zone the profile accepts, such as "UTC+5:30", is never
silently read as UTC somewhere else.
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_OFFSET = re.compile(r"(?i)^(?:utc|gmt)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")
MAX_OFFSET_HOURS = 14


def resolve_zone(name: str) -> tzinfo | None:
    """The zone `name` stands for, or None when it is not one."""
    cleaned = name.strip()
    match = UTC_OFFSET.fullmatch(cleaned)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        hours, minutes = int(match.group(2)), int(match.group(3) or 0)
        if hours > MAX_OFFSET_HOURS or minutes >= 60:
            return None
        return timezone(sign * timedelta(hours=hours, minutes=minutes), cleaned.upper())
    if cleaned.upper() in ("UTC", "GMT"):
        return UTC
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        return None
