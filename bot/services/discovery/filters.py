"""The filters a buyer picks on a result list in the chat, and how they become `SearchFilters`.

Why the choices live in the buyer's saved search state (the discovery service's per-user row),
not in the buttons: one button's callback data is at most 64 bytes, and a list already needs its
words (kept there too), category, sort and page; five filters more would not fit reliably, and
every paging or sort button would have to carry all of them. So buttons carry only which filter
and which choice (short codes checked against the tables below), the state carries the rest,
and paging, re-sorting and the panel all read one truth. A new search or the find menu starts
with no filters.

Budgets are ranges in the marketplace currency's major units (so "under 20" is $20 or €20);
the search then keeps to gigs priced in that currency. Nothing here knows Telegram.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from bot.domain.gig import Category
from bot.domain.levels import SellerLevel
from bot.domain.money import exponent
from bot.i18n.markers import N_
from bot.matching.ports import SearchFilters

#: Budget ranges (major units, low inclusive, high inclusive or open).
BUDGETS: Mapping[str, tuple[int | None, int | None]] = MappingProxyType(
    {"1": (None, 20), "2": (20, 50), "3": (50, 200), "4": (200, None)}
)
DELIVERY_DAYS: Mapping[str, int] = MappingProxyType({"1": 1, "3": 3, "7": 7})
RATINGS: Mapping[str, float] = MappingProxyType({"40": 4.0, "45": 4.5})
LEVELS: Mapping[str, SellerLevel] = MappingProxyType(
    {"1": SellerLevel.level_one, "2": SellerLevel.level_two, "t": SellerLevel.top_rated}
)
#: Profile languages are free text ("English, Spanish"); these are matched as words in it.
LANGUAGES: Mapping[str, str] = MappingProxyType(
    {
        "en": N_("English"),
        "es": N_("Spanish"),
        "de": N_("German"),
        "fr": N_("French"),
        "pt": N_("Portuguese"),
        "ru": N_("Russian"),
        "hi": N_("Hindi"),
        "ar": N_("Arabic"),
    }
)
#: What matches in a profile: the English name, as sellers write their languages.
LANGUAGE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "en": "english",
        "es": "spanish",
        "de": "german",
        "fr": "french",
        "pt": "portuguese",
        "ru": "russian",
        "hi": "hindi",
        "ar": "arabic",
    }
)

#: Filter keys as buttons carry them, with the choices each accepts.
CHOICES: Mapping[str, Mapping[str, object]] = MappingProxyType(
    {"b": BUDGETS, "d": DELIVERY_DAYS, "r": RATINGS, "l": LEVELS, "g": LANGUAGES}
)


@dataclass(frozen=True, slots=True)
class ChatFilters:
    """The buyer's picks, as choice codes (None: any)."""

    budget: str | None = None
    delivery: str | None = None
    rating: str | None = None
    level: str | None = None
    language: str | None = None

    @property
    def count(self) -> int:
        return sum(value is not None for value in self.to_dict().values())

    def get(self, key: str) -> str | None:
        return self.to_dict().get(_FIELDS[key])

    def with_choice(self, key: str, choice: str) -> ChatFilters:
        """`choice` for filter `key`; the current choice again (or "0") clears it.

        An unknown key or choice (a forged or stale button) changes nothing.
        """
        if key not in CHOICES or (choice != "0" and choice not in CHOICES[key]):
            return self
        value = None if choice == "0" or self.get(key) == choice else choice
        return replace(self, **{_FIELDS[key]: value})

    def to_dict(self) -> dict[str, str | None]:
        return {
            "budget": self.budget,
            "delivery": self.delivery,
            "rating": self.rating,
            "level": self.level,
            "language": self.language,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ChatFilters:
        """From stored state; anything unknown is dropped rather than trusted."""
        if not isinstance(data, Mapping):
            return cls()
        picked = cls()
        for key, name in _FIELDS.items():
            value = data.get(name)
            if isinstance(value, str):
                picked = picked.with_choice(key, value)
        return picked

    def search_filters(self, currency: str, category: Category | None = None) -> SearchFilters:
        """The index's filters; budgets in `currency`'s minor units (and only that currency)."""
        low = high = None
        if self.budget is not None:
            scale = 10 ** exponent(currency)
            low_major, high_major = BUDGETS[self.budget]
            low = None if low_major is None else low_major * scale
            high = None if high_major is None else high_major * scale
        return SearchFilters(
            category=category,
            currency=currency if self.budget is not None else None,
            budget_min_minor=low,
            budget_max_minor=high,
            max_delivery_days=None if self.delivery is None else DELIVERY_DAYS[self.delivery],
            min_rating=None if self.rating is None else RATINGS[self.rating],
            seller_level=None if self.level is None else LEVELS[self.level],
            language=None if self.language is None else LANGUAGE_NAMES[self.language],
        )


_FIELDS: Mapping[str, str] = MappingProxyType(
    {"b": "budget", "d": "delivery", "r": "rating", "l": "level", "g": "language"}
)
NO_CHAT_FILTERS = ChatFilters()
