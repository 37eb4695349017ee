"""Every zone the profile accepts is understood wherever times are shown or scheduled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.groups import local_day, zone
from bot.domain.profile import validate_timezone
from bot.domain.timezones import resolve_zone
from bot.errors import ValidationFailed
from bot.handlers.orders.view import local_time

MOMENT = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "offset"),
    [
        ("UTC+5:30", timedelta(hours=5, minutes=30)),
        ("utc-3", timedelta(hours=-3)),
        ("GMT+14", timedelta(hours=14)),
        ("UTC", timedelta(0)),
        ("Europe/Berlin", timedelta(hours=1)),  # winter time on MOMENT
    ],
)
def test_profile_zones_resolve_to_the_offset_they_name(typed: str, offset: timedelta) -> None:
    stored = validate_timezone(typed)
    resolved = resolve_zone(stored)
    assert resolved is not None and resolved.utcoffset(MOMENT) == offset


@pytest.mark.parametrize("bad", ["UTC+15", "UTC+5:75", "Mars/Base", "", "+3"])
def test_unknown_zones_are_refused(bad: str) -> None:
    assert resolve_zone(bad) is None
    with pytest.raises(ValidationFailed):
        zone(bad)


def test_due_dates_and_days_follow_an_offset_zone() -> None:
    assert local_time(MOMENT, "UTC+5:30") == "2026-03-02 04:00 UTC+5:30"
    assert local_time(MOMENT, "Mars/Base") == "2026-03-01 22:30 UTC"
    assert local_day(MOMENT, "UTC+5:30").isoformat() == "2026-03-02"
