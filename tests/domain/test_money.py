"""Money: integer minor units, one currency at a time, parsing what users type."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import pytest

from bot.domain.money import CURRENCY_EXPONENTS, STARS, Money, exponent, price_example
from bot.errors import CurrencyMismatch, ValidationFailed

USD = "USD"


def usd(cents: int) -> Money:
    return Money(cents, USD)


def test_currency_table_covers_common_currencies_and_stars() -> None:
    assert len(CURRENCY_EXPONENTS) >= 26
    for code, exp in {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0, "INR": 2, "BRL": 2}.items():
        assert exponent(code) == exp
    assert exponent(STARS) == 0
    assert all(code.isupper() and len(code) == 3 for code in CURRENCY_EXPONENTS)


@pytest.mark.parametrize("code", ["usd", "XXX", "", "US", "EURO"])
def test_unknown_or_lower_case_currency_is_refused(code: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        exponent(code)
    assert info.value.field == "currency"
    with pytest.raises(ValidationFailed):
        Money(1, code)


@pytest.mark.parametrize("amount", [True, False, 1.5, "12", None])
def test_amount_must_be_a_real_int(amount: Any) -> None:
    with pytest.raises(TypeError):
        Money(amount, USD)


def test_arithmetic() -> None:
    assert usd(150) + usd(75) == usd(225)
    assert usd(150) - usd(175) == usd(-25)
    assert -usd(150) == usd(-150)
    assert usd(150).times(3) == usd(450)
    assert usd(150).times(0).is_zero()
    assert Money.zero("JPY") == Money(0, "JPY")
    assert Money.sum_of([usd(1), usd(2), usd(3)], USD) == usd(6)
    assert Money.sum_of([], "EUR") == Money(0, "EUR")
    assert usd(-1).is_negative() and not usd(0).is_negative() and not usd(1).is_negative()
    assert usd(1).is_positive() and not usd(0).is_positive()


def test_money_is_immutable_and_hashable() -> None:
    money = usd(5)
    with pytest.raises(AttributeError):
        money.amount_minor = 6  # type: ignore[misc]
    assert {usd(5), usd(5), Money(5, "EUR")} == {usd(5), Money(5, "EUR")}


@pytest.mark.parametrize(
    "op",
    [operator.add, operator.sub, operator.lt, operator.le, operator.gt, operator.ge],
)
def test_mixing_currencies_is_refused(op: Callable[[Money, Money], object]) -> None:
    with pytest.raises(CurrencyMismatch) as info:
        op(usd(100), Money(100, "EUR"))
    assert info.value.params == {"left": "USD", "right": "EUR"}


def test_comparisons_within_a_currency() -> None:
    assert usd(1) < usd(2) <= usd(2) < usd(3)
    assert usd(3) > usd(2) >= usd(2)
    assert usd(1) != Money(1, "EUR")  # equality never raises: different currencies differ
    assert sorted([usd(3), usd(1), usd(2)]) == [usd(1), usd(2), usd(3)]


def test_operations_with_plain_numbers_are_type_errors() -> None:
    with pytest.raises(TypeError):
        usd(1) + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        usd(1) < 2  # type: ignore[operator]  # noqa: B015
    with pytest.raises(TypeError):
        usd(1).times(True)


@pytest.mark.parametrize(
    ("amount", "bps", "expected"),
    [
        (1000, 1000, 100),  # 10% of 10.00
        (5, 1000, 1),  # 0.5 cent -> half up -> 1
        (4, 1000, 0),  # 0.4 cent -> 0
        (15, 1000, 2),  # 1.5 -> 2
        (25, 2000, 5),  # exact
        (-5, 1000, -1),  # half away from zero for negatives
        (-4, 1000, 0),
        (-15, 1000, -2),
        (1, 5000, 1),  # 0.5 -> 1
        (1, 4999, 0),
        (12345, 0, 0),
        (12345, 10_000, 12345),
        (999_999_999_999, 333, 33_300_000_000),  # no precision loss on big amounts
    ],
)
def test_percent_bps_rounds_half_up_at_one_minor_unit(amount: int, bps: int, expected: int) -> None:
    assert usd(amount).percent_bps(bps) == usd(expected)


@pytest.mark.parametrize(
    ("money", "decimal", "text"),
    [
        (Money(1250, "USD"), "12.50", "12.50 USD"),
        (Money(5, "USD"), "0.05", "0.05 USD"),
        (Money(-5, "USD"), "-0.05", "-0.05 USD"),
        (Money(0, "EUR"), "0.00", "0.00 EUR"),
        (Money(100000, "GBP"), "1000.00", "1000.00 GBP"),
        (Money(1200, "JPY"), "1200", "1200 JPY"),
        (Money(-1200, "KRW"), "-1200", "-1200 KRW"),
        (Money(50, "XTR"), "50", "50 XTR"),
    ],
)
def test_decimal_string_and_format(money: Money, decimal: str, text: str) -> None:
    assert money.to_decimal_string() == decimal
    assert money.format() == text
    assert str(money) == text


def test_dict_round_trip() -> None:
    money = Money(1250, "EUR")
    assert money.to_dict() == {"amount_minor": 1250, "currency": "EUR"}
    assert Money.from_dict(money.to_dict()) == money


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12", "USD", 1200),
        ("12.5", "USD", 1250),
        ("12.50", "USD", 1250),
        ("12,50", "EUR", 1250),
        (" 1 200 ", "USD", 120000),
        ("1\u00a0200,50", "EUR", 120050),
        ("1,200.50", "USD", 120050),
        ("1.200,50", "EUR", 120050),
        ("1,000,000", "USD", 100000000),
        ("$12.50", "USD", 1250),
        ("12.50$", "CAD", 1250),
        ("12.50 USD", "USD", 1250),
        ("usd 12.50", "USD", 1250),
        ("€ 9,99", "EUR", 999),
        ("£5", "GBP", 500),
        ("R$ 25", "BRL", 2500),
        ("0.05", "USD", 5),
        ("12.", "USD", 1200),
        ("+7", "USD", 700),
        ("0", "USD", 0),
        ("1200", "JPY", 1200),
        ("1,200", "JPY", 1200),
        ("¥1200", "JPY", 1200),
        ("50", "XTR", 50),
        ("⭐ 50", "XTR", 50),
        ("007", "USD", 700),
    ],
)
def test_parse_accepts(text: str, currency: str, minor: int) -> None:
    assert Money.parse(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("text", "currency", "fragment"),
    [
        ("", "USD", "as a number"),
        ("   ", "USD", "as a number"),
        ("abc", "USD", "as a number"),
        ("12abc", "USD", "as a number"),
        ("1e3", "USD", "as a number"),
        ("12 50", "USD", "as a number"),
        ("1,2,3", "USD", "as a number"),
        ("1.2.3,4.5", "USD", "as a number"),
        ("١٢", "USD", "as a number"),  # non-ASCII digits
        ("-5", "USD", "negative"),
        ("−5", "USD", "negative"),
        ("USD -5", "USD", "negative"),
        ("12.5055", "USD", "at most 2 digits"),
        ("12.505", "USD", "thousands separator"),
        ("0.001", "USD", "at most 2 digits"),
        ("1,200", "USD", "thousands separator"),
        ("1.200", "EUR", "thousands separator"),
        ("1.5", "JPY", "whole numbers"),
        ("10.5", "XTR", "whole numbers"),
        ("12 EUR", "USD", "in USD"),
        ("€5", "USD", "in USD"),
        ("$5", "EUR", "in EUR"),
        ("9" * 33, "USD", "too long"),
        ("9" * 13, "USD", "too long"),
    ],
)
def test_parse_refuses_with_a_message_saying_what_is_accepted(
    text: str, currency: str, fragment: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        Money.parse(text, currency)
    error = info.value
    assert error.field == "price"
    assert fragment in error.render_untranslated()
    assert error.params["example"] == price_example(currency)
    assert price_example(currency) in error.render_untranslated()


def test_parse_refuses_a_non_string_and_unknown_currency() -> None:
    with pytest.raises(ValidationFailed):
        Money.parse(12, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as info:
        Money.parse("12", "ABC")
    assert info.value.field == "currency"


def test_price_example_matches_the_exponent_and_parses() -> None:
    assert price_example("USD") == "12.50"
    assert price_example("JPY") == "500"
    for code in CURRENCY_EXPONENTS:
        assert Money.parse(price_example(code), code).is_positive()
