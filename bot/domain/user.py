"""A marketplace user as the rest of the system sees them: identity from Telegram, profile text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UserProfile:
    """One Telegram user; the seller profile fields are empty until they fill them in."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    display_name: str | None = None
    bio: str | None = None
    skills: str | None = None
    languages: str | None = None
    timezone: str | None = None
    stripe_account_id: str | None = None
    payouts_enabled: bool = False
    is_blocked: bool = False
    bot_blocked: bool = False

    @property
    def public_name(self) -> str:
        """The name buyers see: the chosen display name, else the Telegram first name."""
        return self.display_name or self.first_name or "—"
