"""What a gig, an order answer and a review may contain: the one source of truth.

Every limit lives in `GigLimits` (defaults are the marketplace's rules; an operator may pass other
values from configuration), and every check is a small function here that returns the cleaned
value or raises `ValidationFailed` whose message says both what is wrong and what is accepted, so
the conversation can simply show it and ask again. `limits_markdown()` renders the same numbers
as a table for the README and the /help text, so documentation cannot drift from the code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from bot.domain.money import CURRENCY_EXPONENTS, Money
from bot.errors import ValidationFailed
from bot.i18n.markers import N_

#: Words a user may type to ask for unlimited revisions.
UNLIMITED_WORDS = frozenset({"unlimited", "infinite", "∞", "no limit"})


def _default_price_ranges() -> Mapping[str, tuple[int, int]]:
    return MappingProxyType(
        {
            "USD": (500, 1_000_000),
            "EUR": (500, 1_000_000),
            "GBP": (500, 1_000_000),
            "JPY": (500, 1_500_000),
            "XTR": (50, 100_000),
        }
    )


@dataclass(frozen=True)
class GigLimits:
    """Bounds for everything a seller writes into a gig (inclusive at both ends)."""

    title_min: int = 15
    title_max: int = 80
    description_min: int = 50
    description_max: int = 1200
    tags_min: int = 1
    tags_max: int = 5
    tag_min: int = 2
    tag_max: int = 20
    packages_min: int = 1
    packages_max: int = 3
    package_name_min: int = 3
    package_name_max: int = 30
    package_description_min: int = 10
    package_description_max: int = 200
    delivery_days_min: int = 1
    delivery_days_max: int = 30
    revisions_min: int = 0
    revisions_max: int = 10
    unlimited_revisions_allowed: bool = True
    extras_min: int = 0
    extras_max: int = 5
    extra_title_min: int = 3
    extra_title_max: int = 40
    extra_days_min: int = -29
    extra_days_max: int = 30
    extra_revisions_min: int = 0
    extra_revisions_max: int = 10
    requirements_min: int = 0
    requirements_max: int = 10
    question_min: int = 5
    question_max: int = 300
    choices_min: int = 2
    choices_max: int = 10
    choice_min: int = 1
    choice_max: int = 40
    photos_min: int = 1
    photos_max: int = 3
    answer_min: int = 1
    answer_max: int = 2000
    review_comment_min: int = 0
    review_comment_max: int = 1000
    #: Allowed price per currency in minor units, inclusive; a currency not here is refused.
    price_ranges: Mapping[str, tuple[int, int]] = field(
        default_factory=_default_price_ranges, hash=False
    )

    def __post_init__(self) -> None:
        for currency, (low, high) in self.price_ranges.items():
            if currency not in CURRENCY_EXPONENTS or not 0 < low <= high:
                raise ValueError(f"bad price range for {currency}: {low}..{high}")

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted(self.price_ranges))

    def price_range(self, currency: str) -> tuple[Money, Money]:
        """(lowest, highest) accepted price in `currency`; refuses an unlisted currency."""
        if currency not in self.price_ranges:
            raise ValidationFailed(
                N_("Prices in {currency} are not accepted here; please use one of {currencies}."),
                field="currency",
                currency=currency,
                currencies=", ".join(self.currencies),
            )
        low, high = self.price_ranges[currency]
        return Money(low, currency), Money(high, currency)


#: The marketplace's rules; pass another `GigLimits` only when configuration says so.
DEFAULT_LIMITS = GigLimits()


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _collapse(text: str) -> str:
    """One line: leading/trailing space removed, runs of whitespace made one space."""
    return " ".join(text.split())


def _multiline(text: str) -> str:
    """Keep paragraphs: strip each line's ends, at most one empty line in a row."""
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return cleaned.strip()


def _require_str(value: object, field_name: str, message: str, **params: Any) -> str:
    if not isinstance(value, str):
        raise ValidationFailed(message, field=field_name, length=0, **params)
    return value


def _check_length(
    text: str, low: int, high: int, field_name: str, message: str, **params: Any
) -> str:
    if not low <= len(text) <= high:
        raise ValidationFailed(
            message, field=field_name, min=low, max=high, length=len(text), **params
        )
    return text


def _text(
    value: object,
    low: int,
    high: int,
    field_name: str,
    message: str,
    *,
    multiline: bool = False,
) -> str:
    raw = _require_str(value, field_name, message, min=low, max=high)
    cleaned = _multiline(raw) if multiline else _collapse(raw)
    return _check_length(cleaned, low, high, field_name, message)


def _int(value: object, field_name: str, message: str, low: int, high: int) -> int:
    """An int from an int or from digits a user typed (an optional leading sign allowed)."""
    if isinstance(value, bool):
        raise ValidationFailed(message, field=field_name, min=low, max=high)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]{1,6}\s*", value):
        number = int(value)
    else:
        raise ValidationFailed(message, field=field_name, min=low, max=high)
    if not low <= number <= high:
        raise ValidationFailed(message, field=field_name, min=low, max=high, value=number)
    return number


def _count(count: int, low: int, high: int, field_name: str, message: str) -> None:
    if not low <= count <= high:
        raise ValidationFailed(message, field=field_name, min=low, max=high, count=count)


def _split_list(value: str | Iterable[str], separators: str) -> list[str]:
    if isinstance(value, str):
        return re.split(f"[{re.escape(separators)}]", value)
    return [item if isinstance(item, str) else "" for item in value]


# ---------------------------------------------------------------------------------------------
# gig text
# ---------------------------------------------------------------------------------------------


def validate_title(text: str, limits: GigLimits = DEFAULT_LIMITS) -> str:
    """The gig title on one line, whitespace collapsed."""
    return _text(
        text,
        limits.title_min,
        limits.title_max,
        "title",
        N_("The title must be {min} to {max} characters long; yours has {length}."),
    )


def validate_description(text: str, limits: GigLimits = DEFAULT_LIMITS) -> str:
    """The gig description; paragraphs kept, stray spaces and blank runs removed."""
    return _text(
        text,
        limits.description_min,
        limits.description_max,
        "description",
        N_("The description must be {min} to {max} characters long; yours has {length}."),
        multiline=True,
    )


_TAG_CHARS = re.compile(r"[^\W_]+(?:[ -][^\W_]+)*")


def validate_tag(text: str, limits: GigLimits = DEFAULT_LIMITS) -> str:
    """One search tag, lower-case; letters, digits, single spaces or hyphens between words."""
    raw = _require_str(
        text,
        "tags",
        N_("Each tag must be {min} to {max} characters long; “{tag}” has {length}."),
        min=limits.tag_min,
        max=limits.tag_max,
        tag="",
    )
    tag = _collapse(raw).lstrip("#").strip().lower()
    _check_length(
        tag,
        limits.tag_min,
        limits.tag_max,
        "tags",
        N_("Each tag must be {min} to {max} characters long; “{tag}” has {length}."),
        tag=tag,
    )
    if not _TAG_CHARS.fullmatch(tag):
        raise ValidationFailed(
            N_("Tags may contain only letters, digits, spaces and hyphens; “{tag}” does not."),
            field="tags",
            tag=tag,
        )
    return tag


def validate_tags(
    text_or_list: str | Iterable[str], limits: GigLimits = DEFAULT_LIMITS
) -> tuple[str, ...]:
    """Tags from comma separated text (or a list); empty items and repeats dropped."""
    tags: list[str] = []
    for item in _split_list(text_or_list, ","):
        if not item.strip().lstrip("#").strip():
            continue
        tag = validate_tag(item, limits)
        if tag not in tags:
            tags.append(tag)
    _count(
        len(tags),
        limits.tags_min,
        limits.tags_max,
        "tags",
        N_("Please give {min} to {max} tags separated by commas; you gave {count}."),
    )
    return tuple(tags)


# ---------------------------------------------------------------------------------------------
# packages and prices
# ---------------------------------------------------------------------------------------------


def validate_package_name(text: str, limits: GigLimits = DEFAULT_LIMITS) -> str:
    return _text(
        text,
        limits.package_name_min,
        limits.package_name_max,
        "package_name",
        N_("The package name must be {min} to {max} characters long; yours has {length}."),
    )


def validate_package_description(text: str, limits: GigLimits = DEFAULT_LIMITS) -> str:
    return _text(
        text,
        limits.package_description_min,
        limits.package_description_max,
        "package_description",
        N_("The package description must be {min} to {max} characters long; yours has {length}."),
        multiline=True,
    )


def validate_price(money: Money, limits: GigLimits = DEFAULT_LIMITS) -> Money:
    """A package or extra price: an accepted currency, within that currency's range."""
    low, high = limits.price_range(money.currency)
    if not low <= money <= high:
        raise ValidationFailed(
            N_("The price must be from {min} to {max}; yours is {price}."),
            field="price",
            min=low.format(),
            max=high.format(),
            price=money.format(),
        )
    return money


def validate_delivery_days(value: int | str, limits: GigLimits = DEFAULT_LIMITS) -> int:
    """Days to deliver: a whole number; "3", "3 days" and "3d" are all read as 3."""
    if isinstance(value, str):
        value = re.sub(r"(?i)\s*(d|days?)\s*$", "", value)
    return _int(
        value,
        "delivery_days",
        N_("Delivery time must be a whole number of days from {min} to {max}."),
        limits.delivery_days_min,
        limits.delivery_days_max,
    )


def validate_revisions(value: int | str | None, limits: GigLimits = DEFAULT_LIMITS) -> int | None:
    """Revisions included: a number in range, or None (unlimited) from None or "unlimited"."""
    if value is None or (isinstance(value, str) and value.strip().lower() in UNLIMITED_WORDS):
        if not limits.unlimited_revisions_allowed:
            raise ValidationFailed(
                N_("Revisions must be a whole number from {min} to {max}."),
                field="revisions",
                min=limits.revisions_min,
                max=limits.revisions_max,
            )
        return None
    return _int(
        value,
        "revisions",
        N_("Revisions must be a whole number from {min} to {max}, or “unlimited”."),
        limits.revisions_min,
        limits.revisions_max,
    )


def validate_package_count(count: int, limits: GigLimits = DEFAULT_LIMITS) -> int:
    _count(
        count,
        limits.packages_min,
        limits.packages_max,
        "packages",
        N_("A gig needs {min} to {max} packages; it has {count}."),
    )
    return count


# ---------------------------------------------------------------------------------------------
# extras
# ---------------------------------------------------------------------------------------------


def validate_extra_title(text: str, limits: GigLimits = DEFAULT_LIMITS) -> str:
    return _text(
        text,
        limits.extra_title_min,
        limits.extra_title_max,
        "extra_title",
        N_("The extra's title must be {min} to {max} characters long; yours has {length}."),
    )


def validate_extra_days(value: int | str, limits: GigLimits = DEFAULT_LIMITS) -> int:
    """Days an extra adds to delivery; negative means faster delivery ("-2" = two days sooner)."""
    if isinstance(value, str):
        value = re.sub(r"(?i)\s*(d|days?)\s*$", "", value)
    return _int(
        value,
        "extra_days",
        N_(
            "Extra days must be a whole number from {min} to {max} "
            "(negative means faster delivery)."
        ),
        limits.extra_days_min,
        limits.extra_days_max,
    )


def validate_extra_revisions(value: int | str, limits: GigLimits = DEFAULT_LIMITS) -> int:
    return _int(
        value,
        "extra_revisions",
        N_("Extra revisions must be a whole number from {min} to {max}."),
        limits.extra_revisions_min,
        limits.extra_revisions_max,
    )


def validate_extra_count(count: int, limits: GigLimits = DEFAULT_LIMITS) -> int:
    _count(
        count,
        limits.extras_min,
        limits.extras_max,
        "extras",
        N_("A gig may offer {min} to {max} extras; it has {count}."),
    )
    return count


# ---------------------------------------------------------------------------------------------
# requirements (questions the buyer answers after paying) and answers
# ---------------------------------------------------------------------------------------------


def validate_question(text: str, limits: GigLimits = DEFAULT_LIMITS) -> str:
    return _text(
        text,
        limits.question_min,
        limits.question_max,
        "question",
        N_("A question must be {min} to {max} characters long; yours has {length}."),
        multiline=True,
    )


def validate_choice(text: str, limits: GigLimits = DEFAULT_LIMITS) -> str:
    return _text(
        text,
        limits.choice_min,
        limits.choice_max,
        "choices",
        N_("Each choice must be {min} to {max} characters long; one has {length}."),
    )


def validate_choices(
    text_or_list: str | Iterable[str], limits: GigLimits = DEFAULT_LIMITS
) -> tuple[str, ...]:
    """Options of a multiple-choice question, one per line or comma separated; no repeats."""
    choices: list[str] = []
    for item in _split_list(text_or_list, ",\n"):
        if not item.strip():
            continue
        choice = validate_choice(item, limits)
        if choice.casefold() in (c.casefold() for c in choices):
            raise ValidationFailed(
                N_("Each choice must be different; “{choice}” appears twice."),
                field="choices",
                choice=choice,
            )
        choices.append(choice)
    _count(
        len(choices),
        limits.choices_min,
        limits.choices_max,
        "choices",
        N_("A multiple-choice question needs {min} to {max} options; it has {count}."),
    )
    return tuple(choices)


def validate_requirement_count(count: int, limits: GigLimits = DEFAULT_LIMITS) -> int:
    _count(
        count,
        limits.requirements_min,
        limits.requirements_max,
        "requirements",
        N_("A gig may ask {min} to {max} questions; it has {count}."),
    )
    return count


def validate_answer(text: str, limits: GigLimits = DEFAULT_LIMITS) -> str:
    """A buyer's written answer to a requirement question."""
    return _text(
        text,
        limits.answer_min,
        limits.answer_max,
        "answer",
        N_("An answer must be {min} to {max} characters long; yours has {length}."),
        multiline=True,
    )


# ---------------------------------------------------------------------------------------------
# photos and reviews
# ---------------------------------------------------------------------------------------------


def validate_photos(file_ids: Iterable[str], limits: GigLimits = DEFAULT_LIMITS) -> tuple[str, ...]:
    """Telegram file_ids of the gig's photos, in order, repeats dropped."""
    photos: list[str] = []
    for file_id in file_ids:
        if not isinstance(file_id, str) or not file_id.strip():
            raise ValidationFailed(N_("Please send the gig's photos as pictures."), field="photos")
        if file_id.strip() not in photos:
            photos.append(file_id.strip())
    _count(
        len(photos),
        limits.photos_min,
        limits.photos_max,
        "photos",
        N_("A gig needs {min} to {max} photos; it has {count}."),
    )
    return tuple(photos)


def validate_review_comment(text: str | None, limits: GigLimits = DEFAULT_LIMITS) -> str:
    """A review's comment; empty (or None) is fine when the minimum is zero."""
    return _text(
        "" if text is None else text,
        limits.review_comment_min,
        limits.review_comment_max,
        "review_comment",
        N_("A review comment may be at most {max} characters long; yours has {length}."),
        multiline=True,
    )


# ---------------------------------------------------------------------------------------------
# documentation
# ---------------------------------------------------------------------------------------------


def _range(low: int, high: int, unit: str = "") -> str:
    suffix = f" {unit}" if unit else ""
    dash = " to " if low < 0 else "–"
    return f"{low}{dash}{high}{suffix}"


def limits_table(limits: GigLimits = DEFAULT_LIMITS) -> tuple[tuple[str, str], ...]:
    """(what, allowed) rows: the rules in plain English, straight from `limits`."""
    revisions = _range(limits.revisions_min, limits.revisions_max)
    if limits.unlimited_revisions_allowed:
        revisions += " or unlimited"
    prices = "; ".join(
        f"{low.format()} – {high.format()}"
        for low, high in (limits.price_range(c) for c in limits.currencies)
    )
    return (
        ("Title", _range(limits.title_min, limits.title_max, "characters")),
        ("Description", _range(limits.description_min, limits.description_max, "characters")),
        (
            "Tags",
            f"{_range(limits.tags_min, limits.tags_max)}, each "
            f"{_range(limits.tag_min, limits.tag_max, 'characters')} "
            "(letters, digits, spaces, hyphens)",
        ),
        (
            "Packages",
            _range(limits.packages_min, limits.packages_max) + " (basic ≤ standard ≤ premium)",
        ),
        ("Package name", _range(limits.package_name_min, limits.package_name_max, "characters")),
        (
            "Package description",
            _range(limits.package_description_min, limits.package_description_max, "characters"),
        ),
        ("Price", prices),
        ("Delivery", _range(limits.delivery_days_min, limits.delivery_days_max, "days")),
        ("Revisions", revisions),
        ("Extras", _range(limits.extras_min, limits.extras_max)),
        ("Extra title", _range(limits.extra_title_min, limits.extra_title_max, "characters")),
        (
            "Extra days",
            f"{_range(limits.extra_days_min, limits.extra_days_max)} (negative = faster)",
        ),
        ("Extra revisions", _range(limits.extra_revisions_min, limits.extra_revisions_max)),
        ("Requirement questions", _range(limits.requirements_min, limits.requirements_max)),
        ("Question", _range(limits.question_min, limits.question_max, "characters")),
        (
            "Choices",
            f"{_range(limits.choices_min, limits.choices_max)} options of "
            f"{_range(limits.choice_min, limits.choice_max, 'characters')}",
        ),
        ("Photos", _range(limits.photos_min, limits.photos_max)),
        ("Answer", _range(limits.answer_min, limits.answer_max, "characters")),
        (
            "Review comment",
            _range(limits.review_comment_min, limits.review_comment_max, "characters"),
        ),
    )


def limits_markdown(limits: GigLimits = DEFAULT_LIMITS) -> str:
    """The rules as a Markdown table, for the README to quote verbatim."""
    rows = ["| What | Allowed |", "| --- | --- |"]
    rows += [f"| {what} | {allowed} |" for what, allowed in limits_table(limits)]
    return "\n".join(rows) + "\n"


__all__ = [
    "DEFAULT_LIMITS",
    "UNLIMITED_WORDS",
    "GigLimits",
    "limits_markdown",
    "limits_table",
    "validate_answer",
    "validate_choice",
    "validate_choices",
    "validate_delivery_days",
    "validate_description",
    "validate_extra_count",
    "validate_extra_days",
    "validate_extra_revisions",
    "validate_extra_title",
    "validate_package_count",
    "validate_package_description",
    "validate_package_name",
    "validate_photos",
    "validate_price",
    "validate_question",
    "validate_requirement_count",
    "validate_review_comment",
    "validate_revisions",
    "validate_tag",
    "validate_tags",
]
