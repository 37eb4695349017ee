"""Validation limits: every bound at, below and above, and messages that say what is accepted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.domain.limits import (
    DEFAULT_LIMITS,
    GigLimits,
    limits_markdown,
    limits_table,
    validate_answer,
    validate_choice,
    validate_choices,
    validate_delivery_days,
    validate_description,
    validate_extra_count,
    validate_extra_days,
    validate_extra_revisions,
    validate_extra_title,
    validate_package_count,
    validate_package_description,
    validate_package_name,
    validate_photos,
    validate_price,
    validate_question,
    validate_requirement_count,
    validate_review_comment,
    validate_revisions,
    validate_tag,
    validate_tags,
    validate_title,
)
from bot.domain.money import Money
from bot.errors import ValidationFailed

L = DEFAULT_LIMITS


def _text(n: int) -> str:
    """n characters, words separated by single spaces (survives whitespace collapsing)."""
    return ("abcd " * (n // 5 + 1))[:n].rstrip().ljust(n, "x") if n else ""


def _tags(n: int) -> str:
    return ", ".join(f"tag{i}" for i in range(n))


def _choices(n: int) -> list[str]:
    return [f"option {i}" for i in range(n)]


def _photos(n: int) -> list[str]:
    return [f"file-{i}" for i in range(n)]


# (validator, argument builder, field, lowest accepted, highest accepted)
LENGTH_RULES: list[tuple[Callable[..., Any], Callable[[int], Any], str, int, int]] = [
    (validate_title, _text, "title", L.title_min, L.title_max),
    (validate_description, _text, "description", L.description_min, L.description_max),
    (validate_tag, lambda n: "t" * n, "tags", L.tag_min, L.tag_max),
    (validate_tags, _tags, "tags", L.tags_min, L.tags_max),
    (validate_package_name, _text, "package_name", L.package_name_min, L.package_name_max),
    (
        validate_package_description,
        _text,
        "package_description",
        L.package_description_min,
        L.package_description_max,
    ),
    (validate_delivery_days, int, "delivery_days", L.delivery_days_min, L.delivery_days_max),
    (validate_delivery_days, str, "delivery_days", L.delivery_days_min, L.delivery_days_max),
    (validate_revisions, int, "revisions", L.revisions_min, L.revisions_max),
    (validate_revisions, str, "revisions", L.revisions_min, L.revisions_max),
    (validate_extra_title, _text, "extra_title", L.extra_title_min, L.extra_title_max),
    (validate_extra_days, int, "extra_days", L.extra_days_min, L.extra_days_max),
    (validate_extra_days, str, "extra_days", L.extra_days_min, L.extra_days_max),
    (
        validate_extra_revisions,
        int,
        "extra_revisions",
        L.extra_revisions_min,
        L.extra_revisions_max,
    ),
    (validate_question, _text, "question", L.question_min, L.question_max),
    (validate_choice, _text, "choices", L.choice_min, L.choice_max),
    (validate_choices, _choices, "choices", L.choices_min, L.choices_max),
    (validate_photos, _photos, "photos", L.photos_min, L.photos_max),
    (validate_answer, _text, "answer", L.answer_min, L.answer_max),
    (
        validate_review_comment,
        _text,
        "review_comment",
        L.review_comment_min,
        L.review_comment_max,
    ),
    (validate_package_count, int, "packages", L.packages_min, L.packages_max),
    (validate_extra_count, int, "extras", L.extras_min, L.extras_max),
    (validate_requirement_count, int, "requirements", L.requirements_min, L.requirements_max),
]

CASES = [
    pytest.param(rule, value, ok, id=f"{rule[0].__name__}-{rule[1].__name__}-{value}")
    for rule in LENGTH_RULES
    for value, ok in [
        (rule[3] - 1, False),
        (rule[3], True),
        (rule[3] + 1, True),
        (rule[4] - 1, True),
        (rule[4], True),
        (rule[4] + 1, False),
    ]
    if value >= 0 or rule[1] is int or rule[1] is str
]


@pytest.mark.parametrize(("rule", "n", "accepted"), CASES)
def test_every_bound_at_below_and_above(
    rule: tuple[Callable[..., Any], Callable[[int], Any], str, int, int], n: int, accepted: bool
) -> None:
    validator, build, field, low, high = rule
    if accepted:
        result = validator(build(n), L)
        assert result is not None or field == "revisions"
        if isinstance(result, (str, tuple)):
            assert low <= len(result) <= high
        elif isinstance(result, int):
            assert low <= result <= high
    else:
        with pytest.raises(ValidationFailed) as info:
            validator(build(n), L)
        error = info.value
        assert error.field == field
        text = error.render_untranslated()
        # what is accepted is in the message, and the placeholders were all filled
        assert str(low) in text or field == "review_comment"
        assert str(high) in text
        assert "{" not in text


def test_title_strips_and_collapses_whitespace() -> None:
    assert validate_title("  I   will\tdesign\n a  logo  ") == "I will design a logo"


def test_title_message_names_the_length() -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_title("short")
    assert info.value.params == {"min": 15, "max": 80, "length": 5}
    assert info.value.render_untranslated() == (
        "The title must be 15 to 80 characters long; yours has 5."
    )


def test_title_of_wrong_type_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        validate_title(None)  # type: ignore[arg-type]


def test_description_keeps_paragraphs_but_not_blank_runs() -> None:
    text = "  First   line \r\n\n\n\n  second line  " + "x" * 40
    assert validate_description(text) == "First line\n\nsecond line  ".rstrip() + " " + "x" * 40


def test_tags_are_cleaned_deduplicated_and_lower_cased() -> None:
    assert validate_tags(" #Logo, logo design ,, LOGO, Web-Dev ") == (
        "logo",
        "logo design",
        "web-dev",
    )
    assert validate_tags(["Café", "ロゴ"]) == ("café", "ロゴ")


@pytest.mark.parametrize("tag", ["logo!", "c++", "a_b", "web--dev", "-dev", "emoji🙂"])
def test_tag_characters(tag: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_tags(tag)
    assert "letters, digits, spaces and hyphens" in info.value.render_untranslated()


def test_no_tags_is_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_tags(" , ,")
    assert info.value.params["count"] == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3), (" 3 days", 3), ("1 day", 1), ("7d", 7), (30, 30)],
)
def test_delivery_days_forms(value: int | str, expected: int) -> None:
    assert validate_delivery_days(value) == expected


@pytest.mark.parametrize("value", ["three", "", "3.5", True, None, "1" * 8])
def test_delivery_days_refused(value: Any) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_delivery_days(value)
    assert info.value.field == "delivery_days"


@pytest.mark.parametrize("value", [None, "unlimited", " Unlimited ", "∞"])
def test_unlimited_revisions(value: str | None) -> None:
    assert validate_revisions(value) is None


def test_unlimited_revisions_can_be_switched_off() -> None:
    limits = GigLimits(unlimited_revisions_allowed=False)
    with pytest.raises(ValidationFailed):
        validate_revisions("unlimited", limits)
    assert validate_revisions(2, limits) == 2


def test_extra_days_accepts_negative_text() -> None:
    assert validate_extra_days("-2 days") == -2
    assert validate_extra_days("+3") == 3


def test_choices_from_lines_or_commas_and_no_repeats() -> None:
    assert validate_choices("Red\nBlue, Green") == ("Red", "Blue", "Green")
    with pytest.raises(ValidationFailed) as info:
        validate_choices("Red, red")
    assert info.value.params == {"choice": "red"}


def test_photos_drop_repeats_and_refuse_blanks() -> None:
    assert validate_photos(["a", "a", "b"]) == ("a", "b")
    with pytest.raises(ValidationFailed):
        validate_photos(["a", " "])


def test_review_comment_may_be_empty() -> None:
    assert validate_review_comment(None) == ""
    assert validate_review_comment("  ") == ""


PRICE_CASES = [
    ("USD", 499, False),
    ("USD", 500, True),
    ("USD", 1_000_000, True),
    ("USD", 1_000_001, False),
    ("EUR", 500, True),
    ("GBP", 1_000_001, False),
    ("JPY", 499, False),
    ("JPY", 1_500_000, True),
    ("JPY", 1_500_001, False),
    ("XTR", 49, False),
    ("XTR", 50, True),
    ("XTR", 100_000, True),
    ("XTR", 100_001, False),
]


@pytest.mark.parametrize(("currency", "minor", "accepted"), PRICE_CASES)
def test_price_ranges(currency: str, minor: int, accepted: bool) -> None:
    money = Money(minor, currency)
    if accepted:
        assert validate_price(money) == money
    else:
        with pytest.raises(ValidationFailed) as info:
            validate_price(money)
        low, high = L.price_ranges[currency]
        assert info.value.params == {
            "min": Money(low, currency).format(),
            "max": Money(high, currency).format(),
            "price": money.format(),
        }


def test_currency_missing_from_the_price_ranges_is_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_price(Money(1000, "CAD"))
    assert info.value.field == "currency"
    assert "EUR, GBP, JPY, USD, XTR" in info.value.render_untranslated()


def test_bad_price_range_configuration() -> None:
    with pytest.raises(ValueError):
        GigLimits(price_ranges={"USD": (100, 50)})
    with pytest.raises(ValueError):
        GigLimits(price_ranges={"ABC": (1, 50)})


def test_custom_limits_are_honoured() -> None:
    strict = GigLimits(title_min=3, title_max=5)
    assert validate_title("abc", strict) == "abc"
    with pytest.raises(ValidationFailed):
        validate_title("abcdef", strict)


def test_the_readme_table_quotes_the_limits() -> None:
    table = dict(limits_table())
    assert table["Title"] == "15–80 characters"
    assert table["Extra days"] == "-29 to 30 (negative = faster)"
    assert table["Revisions"] == "0–10 or unlimited"
    assert "5.00 USD – 10000.00 USD" in table["Price"]
    markdown = limits_markdown(GigLimits(title_max=90))
    assert markdown.startswith("| What | Allowed |")
    assert "| Title | 15–90 characters |" in markdown


def test_limits_are_hashable_for_caching() -> None:
    assert hash(GigLimits()) == hash(DEFAULT_LIMITS)
    assert GigLimits() == DEFAULT_LIMITS
    assert GigLimits(price_ranges={"USD": (1, 2)}) != DEFAULT_LIMITS
