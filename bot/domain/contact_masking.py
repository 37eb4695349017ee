"""Masking contact details in the order chat: phone numbers, e-mails, @handles, outside links.

Why: a deal taken off the platform loses the buyer's protection (escrow, disputes), and
"message me on WhatsApp" is how it starts. The order chat relays messages through the bot and,
when the operator turns MASK_CONTACT_DETAILS on, replaces what looks like a way to reach someone
outside with a placeholder and tells the sender why. Pure text in, text out, so every pattern is
unit-tested without Telegram.

What counts (deliberately a little eager; a masked false positive costs less than a lost buyer):
- e-mail addresses (also "name at domain dot com");
- phone numbers: 7 or more digits, allowing spaces, dots, dashes, brackets and a leading +;
- Telegram-style handles: @ followed by 4+ word characters;
- links: http(s)://..., www...., t.me/..., and bare domains with a common TLD (example.com/x).
Prices and quantities ("25 USD", "3 concepts", "1920x1080") are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDER = "[hidden]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_SPELLED_EMAIL = re.compile(
    r"\b[\w.+-]+\s*(?:\(at\)|\[at\]|\sat\s)\s*[\w-]+\s*(?:\(dot\)|\[dot\]|\sdot\s)\s*\w{2,}\b",
    re.IGNORECASE,
)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_TELEGRAM_LINK = re.compile(r"\b(?:t|telegram)\.me/\S+", re.IGNORECASE)
_DOMAIN = re.compile(
    r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|me|co|info|biz|ru|de|uk|fr|es|it|in|app"
    r"|dev|xyz|link|ly|gg|us|ua|br|pl|nl|tk)\b(?:/\S*)?",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z]\w{3,}")
# 7+ digits, possibly separated; the lookarounds keep it from eating into longer tokens.
_PHONE = re.compile(r"(?<![\w])\+?\d(?:[\s().-]{0,2}\d){6,}(?![\w])")

_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{4}")

# Order matters: e-mails before handles (the @ inside), links before bare domains.
_PATTERNS: tuple[re.Pattern[str], ...] = (
    _EMAIL,
    _SPELLED_EMAIL,
    _URL,
    _TELEGRAM_LINK,
    _DOMAIN,
    _HANDLE,
    _PHONE,
)


@dataclass(frozen=True, slots=True)
class Masked:
    """The text to relay and whether anything was hidden (then the sender gets a notice)."""

    text: str
    hidden: int

    @property
    def changed(self) -> bool:
        return self.hidden > 0


def mask_contact_details(text: str) -> Masked:
    """Replace every contact detail in `text` with `PLACEHOLDER`; count what was hidden."""
    hidden = 0

    def hide(match: re.Match[str]) -> str:
        nonlocal hidden
        if _DATE.fullmatch(match.group(0)):  # a date is not a phone number
            return match.group(0)
        hidden += 1
        return PLACEHOLDER

    for pattern in _PATTERNS:
        text = pattern.sub(hide, text)
    return Masked(text, hidden)


__all__ = ["PLACEHOLDER", "Masked", "mask_contact_details"]
