"""The order chat's contact masking, case by case (pure function, no Telegram)."""

from __future__ import annotations

import pytest

from bot.domain.contact_masking import PLACEHOLDER, mask_contact_details


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("mail me at jane.doe+work@example.co.uk please", "jane.doe"),
        ("write to jane at example dot com", "example"),
        ("call +1 (555) 123-4567", "123"),
        ("my number is 0151 2345 678", "2345"),
        ("whatsapp 5551234567", "5551234567"),
        ("ping @jane_doe on telegram", "jane_doe"),
        ("see https://portfolio.example/work?x=1", "portfolio"),
        ("see www.behance.net/jane", "behance"),
        ("t.me/janedoe", "janedoe"),
        ("my site is janedoe.com/portfolio", "janedoe"),
    ],
)
def test_contact_details_are_masked(text: str, secret: str) -> None:
    masked = mask_contact_details(text)
    assert masked.changed and PLACEHOLDER in masked.text
    assert secret not in masked.text


@pytest.mark.parametrize(
    "text",
    [
        "The logo is ready: 3 concepts, 1920x1080, 25 USD.",
        "Deadline is 2026-01-12, version 2.1",
        "Thanks! Could the blue be darker?",
        "Order #1234 looks great",
        "an email@ sign alone",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    masked = mask_contact_details(text)
    assert masked.text == text and not masked.changed


def test_counts_every_hidden_detail() -> None:
    masked = mask_contact_details("a@b.io or +44 20 7946 0958 or @someone")
    assert masked.hidden == 3
    assert masked.text == f"{PLACEHOLDER} or {PLACEHOLDER} or {PLACEHOLDER}"
