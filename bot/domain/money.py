"""Money as an integer count of minor units in one currency.

Why integers: Telegram's invoices, Stripe and Telegram Stars all count in the smallest unit of a
currency (cents, yen, stars), so every amount the bot stores or sends is already an integer and
no rounding can creep in between them. The only places that divide (percentages) round
explicitly, half up, at one minor unit; see `Money.percent_bps`.

Why a closed currency table: an amount means nothing without its exponent (2 for USD, 0 for
JPY and Telegram Stars), and an unknown code is far more likely a typo than a currency the
payment providers would accept. The table follows the exponents of Telegram's
`currencies.json` for the currencies it lists, which agree with ISO 4217 for all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from bot.errors import CurrencyMismatch, ValidationFailed
from bot.i18n.markers import N_

#: Telegram Stars: the in-app currency for digital goods; whole stars only.
STARS = "XTR"

#: Digits after the decimal point per currency (ISO 4217 codes Telegram payments accept, + XTR).
CURRENCY_EXPONENTS: Mapping[str, int] = MappingProxyType(
    {
        "AED": 2,
        "AUD": 2,
        "BGN": 2,
        "BRL": 2,
        "CAD": 2,
        "CHF": 2,
        "CNY": 2,
        "CZK": 2,
        "DKK": 2,
        "EGP": 2,
        "EUR": 2,
        "GBP": 2,
        "HKD": 2,
        "HUF": 2,
        "IDR": 2,
        "ILS": 2,
        "INR": 2,
        "JPY": 0,
        "KRW": 0,
        "KZT": 2,
        "MXN": 2,
        "MYR": 2,
        "NGN": 2,
        "NOK": 2,
        "NZD": 2,
        "PHP": 2,
        "PKR": 2,
        "PLN": 2,
        "PYG": 0,
        "RON": 2,
        "SAR": 2,
        "SEK": 2,
        "SGD": 2,
        "THB": 2,
        "TRY": 2,
        "TWD": 2,
        "UAH": 2,
        "UGX": 0,
        "USD": 2,
        "VND": 0,
        "ZAR": 2,
        STARS: 0,
    }
)

#: Currency symbols users type, and the currencies each may stand for. A symbol is only accepted
#: when the currency being asked for is one of them, so "$12" never silently means euros.
CURRENCY_SYMBOLS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "R$": frozenset({"BRL"}),
        "$": frozenset({"USD", "AUD", "CAD", "NZD", "SGD", "HKD", "MXN", "TWD"}),
        "€": frozenset({"EUR"}),
        "£": frozenset({"GBP"}),
        "¥": frozenset({"JPY", "CNY"}),
        "₩": frozenset({"KRW"}),
        "₹": frozenset({"INR"}),
        "₺": frozenset({"TRY"}),
        "₴": frozenset({"UAH"}),
        "₪": frozenset({"ILS"}),
        "฿": frozenset({"THB"}),
        "₱": frozenset({"PHP"}),
        "₦": frozenset({"NGN"}),
        "zł": frozenset({"PLN"}),
        "⭐️": frozenset({STARS}),
        "⭐": frozenset({STARS}),
    }
)

#: Longest text `Money.parse` looks at; anything longer is not a price someone typed.
MAX_PRICE_TEXT = 32
#: Most digits accepted before the decimal point (10^12 major units is far beyond any gig).
MAX_INTEGER_DIGITS = 12

_BASIS_POINTS = 10_000


def exponent(currency: str) -> int:
    """Digits after the decimal point of `currency`; refuses codes the bot cannot charge in."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except (KeyError, TypeError):
        raise ValidationFailed(
            N_("{currency} is not a currency the bot accepts."),
            field="currency",
            currency=str(currency),
        ) from None


def _round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, ties away from zero."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return -quotient if numerator < 0 else quotient


def price_example(currency: str) -> str:
    """A sample amount written the way `Money.parse` wants it (used in refusal messages)."""
    exp = exponent(currency)
    if exp == 0:
        return "500"
    return "12." + "5".ljust(exp, "0")


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units of one currency; arithmetic never mixes currencies."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        # A wrong type here is a programming error, not user input: TypeError, not a message.
        if type(self.amount_minor) is not int:
            raise TypeError(f"amount_minor must be an int, not {type(self.amount_minor).__name__}")
        if not isinstance(self.currency, str):
            raise TypeError(f"currency must be a str, not {type(self.currency).__name__}")
        exponent(self.currency)

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def sum_of(cls, amounts: Iterable[Money], currency: str) -> Money:
        """Total of `amounts` (zero in `currency` when empty); all must be in `currency`."""
        total = cls.zero(currency)
        for amount in amounts:
            total = total + amount
        return total

    # -- arithmetic --------------------------------------------------------------------------

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(
                N_("Amounts in {left} and {right} cannot be combined."),
                left=self.currency,
                right=other.currency,
            )

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def times(self, n: int) -> Money:
        """This amount `n` times (quantities of an extra, for instance)."""
        if type(n) is not int:
            raise TypeError("times() takes an int")
        return Money(self.amount_minor * n, self.currency)

    def percent_bps(self, bps: int) -> Money:
        """`bps` basis points (1/100 of a percent) of this amount, rounded half up at one minor
        unit; halves round away from zero, so a negative amount mirrors its positive twin."""
        if type(bps) is not int:
            raise TypeError("percent_bps() takes an int number of basis points")
        return Money(_round_half_up_div(self.amount_minor * bps, _BASIS_POINTS), self.currency)

    # -- comparison (only within one currency) -----------------------------------------------

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount_minor < other.amount_minor

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount_minor <= other.amount_minor

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount_minor > other.amount_minor

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount_minor >= other.amount_minor

    def is_zero(self) -> bool:
        return self.amount_minor == 0

    def is_negative(self) -> bool:
        return self.amount_minor < 0

    def is_positive(self) -> bool:
        return self.amount_minor > 0

    # -- text --------------------------------------------------------------------------------

    def to_decimal_string(self) -> str:
        """Plain decimal with exactly the currency's digits: "12.50", "1200", "-0.05"."""
        exp = exponent(self.currency)
        sign = "-" if self.amount_minor < 0 else ""
        major, minor = divmod(abs(self.amount_minor), 10**exp)
        if exp == 0:
            return f"{sign}{major}"
        return f"{sign}{major}.{minor:0{exp}d}"

    def format(self) -> str:
        """Language-neutral text "12.50 USD"; locale-aware formatting belongs to i18n."""
        return f"{self.to_decimal_string()} {self.currency}"

    def __str__(self) -> str:
        return self.format()

    def to_dict(self) -> dict[str, Any]:
        """The storage / JSON shape: {"amount_minor": 1250, "currency": "USD"}."""
        return {"amount_minor": self.amount_minor, "currency": self.currency}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Money:
        return cls(data["amount_minor"], data["currency"])

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Read a price a user typed in `currency`; see `parse_price` for what is accepted."""
        return parse_price(text, currency)


# ---------------------------------------------------------------------------------------------
# Parsing what users type
# ---------------------------------------------------------------------------------------------

_GAPS = re.compile(r"[\s\u00a0\u202f\u2009\u2007']+")
_SPACE_GROUPED = re.compile(r"([0-9]{1,3}(?: [0-9]{3})+)(?:[.,]([0-9]*))?")
_GROUPED_INT = re.compile(r"[0-9]{1,3}(?:[ ,.][0-9]{3})+")
_PLAIN_NUMBER = re.compile(r"([0-9]+)(?:[.,]([0-9]*))?")


def _refuse(message: str, currency: str, **params: Any) -> ValidationFailed:
    return ValidationFailed(
        message,
        field="price",
        example=price_example(currency),
        currency=currency,
        decimals=exponent(currency),
        **params,
    )


def _strip_currency_marks(text: str, currency: str) -> str:
    """Remove one currency code or symbol at either end, if it fits `currency`."""
    upper = text.upper()
    for code in CURRENCY_EXPONENTS:
        if upper.startswith(code) or upper.endswith(code):
            if code != currency:
                raise _refuse(
                    N_("This price is in {currency}; please send just the number, like {example}."),
                    currency,
                )
            return (text[len(code) :] if upper.startswith(code) else text[: -len(code)]).strip()
    for symbol, currencies in CURRENCY_SYMBOLS.items():
        if text.startswith(symbol) or text.endswith(symbol):
            if currency not in currencies:
                raise _refuse(
                    N_("This price is in {currency}; please send just the number, like {example}."),
                    currency,
                )
            stripped = text[len(symbol) :] if text.startswith(symbol) else text[: -len(symbol)]
            return stripped.strip()
    return text


def _split_number(text: str, exp: int) -> tuple[str, str] | None:
    """(integer digits, fraction digits) of `text`, or None when it is not a number.

    Grouping separators are accepted only where they cannot be read as a decimal point: spaces
    between groups of three, a separator repeated ("1,000,000"), a mix where the last one is the
    decimal point ("1.200,50"), or a single group of three in a currency without decimals
    ("1,200" yen). A single "," or "." otherwise is the decimal point.
    """
    text = _GAPS.sub(" ", text)
    if " " in text:
        match = _SPACE_GROUPED.fullmatch(text)
        if match is None:
            return None
        return match.group(1).replace(" ", ""), match.group(2) or ""
    seps = [ch for ch in text if ch in ",."]
    if not seps:
        return (text, "") if text.isascii() and text.isdigit() else None
    if len(set(seps)) == 2:
        decimal_sep = seps[-1]
        group_sep = "," if decimal_sep == "." else "."
        integer, _, fraction = text.rpartition(decimal_sep)
        if decimal_sep in integer or not re.fullmatch(
            rf"[0-9]{{1,3}}(?:{re.escape(group_sep)}[0-9]{{3}})+", integer
        ):
            return None
        if not (fraction.isascii() and fraction.isdigit()):
            return None
        return integer.replace(group_sep, ""), fraction
    if len(seps) > 1 or (exp == 0 and _GROUPED_INT.fullmatch(text)):
        if not _GROUPED_INT.fullmatch(text):
            return None
        return re.sub(r"[,.]", "", text), ""
    match = _PLAIN_NUMBER.fullmatch(text)
    if match is None:
        return None
    return match.group(1), match.group(2) or ""


def parse_price(text: str, currency: str) -> Money:
    """Read a non-negative price as users type it.

    Accepted: "12", "12.5", "12.50", "12,50", " 1 200 ", "1,200.50", "1.200,50", and a currency
    code or symbol that matches `currency` at either end ("$12.50", "12.50 USD"). Refused, with a
    message saying what is accepted: empty or non-numeric text, a minus sign, more decimals than
    the currency has, another currency's code or symbol, and anything absurdly long.
    """
    exp = exponent(currency)
    if not isinstance(text, str):
        raise _refuse(N_("Please send a price as a number, like {example}."), currency)
    if len(text) > MAX_PRICE_TEXT:
        raise _refuse(
            N_("That is too long for a price. Please send just the number, like {example}."),
            currency,
            max=MAX_PRICE_TEXT,
        )
    cleaned = text.strip()
    if not cleaned:
        raise _refuse(N_("Please send a price as a number, like {example}."), currency)
    cleaned = _strip_currency_marks(cleaned, currency)
    if cleaned.startswith(("-", "−")) or cleaned.endswith("-"):
        raise _refuse(
            N_("A price cannot be negative. Please send a positive number, like {example}."),
            currency,
        )
    if cleaned.startswith("+"):
        cleaned = cleaned[1:].lstrip()
    parts = _split_number(cleaned, exp)
    if parts is None or not parts[0]:
        raise _refuse(N_("Please send a price as a number, like {example}."), currency)
    integer, fraction = parts
    if len(integer.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise _refuse(
            N_("That is too long for a price. Please send just the number, like {example}."),
            currency,
            max=MAX_PRICE_TEXT,
        )
    if len(fraction) > exp:
        if (
            len(fraction) == 3
            and sum(ch in ",." for ch in cleaned) == 1
            and not integer.startswith("0")
        ):
            # "1,200" or "1.200" in a currency with cents: thousands or decimals? Ask, never guess.
            raise _refuse(
                N_(
                    "Please write the price without a thousands separator, like {example}, "
                    "so it cannot be misread."
                ),
                currency,
            )
        if exp == 0:
            raise _refuse(
                N_("{currency} prices are whole numbers. Please send one like {example}."),
                currency,
            )
        raise _refuse(
            N_(
                "{currency} prices have at most {decimals} digits after the decimal point, "
                "like {example}."
            ),
            currency,
        )
    amount = int(integer) * 10**exp + (int(fraction.ljust(exp, "0")) if exp else 0)
    return Money(amount, currency)


__all__ = [
    "CURRENCY_EXPONENTS",
    "CURRENCY_SYMBOLS",
    "MAX_PRICE_TEXT",
    "STARS",
    "Money",
    "exponent",
    "parse_price",
    "price_example",
]
