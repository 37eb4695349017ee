"""Tips: what a buyer may add after approving an order, and how it is divided.

Bounds, and why:
- at least the currency's smallest sensible amount (`min_tip`): one major unit (1.00 USD),
  100 units of a zero-decimal fiat currency (JPY), one Star. Smaller charges cost more in
  provider fees than they give the seller, and Stripe refuses charges below about 0.50 USD.
- at most 25% of the order's subtotal (`MAX_TIP_BPS`), never less than the minimum. A larger
  amount is far more likely a typo than generosity. (A card tip is paid out by a transfer of
  its own, from its own charge, so any number of tips fits what their charges brought in.)

The offers are 5%, 10% and 15% of the subtotal, each raised to the minimum and de-duplicated.
The tip goes to the seller less the commission rate frozen on its order
(`bot.domain.pricing.tip_division`).
"""

from __future__ import annotations

from bot.domain.money import STARS, Money, exponent

TIP_PERCENTS = (5, 10, 15)
MAX_TIP_BPS = 2500


def min_tip(currency: str) -> Money:
    """The smallest tip in `currency` (see the module's docstring)."""
    if currency == STARS:
        return Money(1, currency)
    digits = exponent(currency)
    return Money(10**digits if digits else 100, currency)


def max_tip(subtotal: Money) -> Money:
    """The largest tip on an order of `subtotal`: 25% of it, never below the minimum."""
    return max(subtotal.percent_bps(MAX_TIP_BPS), min_tip(subtotal.currency))


def tip_offers(subtotal: Money) -> list[tuple[int, Money]]:
    """(percent, amount) for the tip buttons, each within the bounds, amounts unique."""
    low, high = min_tip(subtotal.currency), max_tip(subtotal)
    offers: list[tuple[int, Money]] = []
    for percent in TIP_PERCENTS:
        amount = min(max(subtotal.percent_bps(percent * 100), low), high)
        if all(amount != seen for _p, seen in offers):
            offers.append((percent, amount))
    return offers


def tip_in_bounds(amount: Money, subtotal: Money) -> bool:
    """True when `amount` (in the order's currency) is an acceptable tip."""
    return (
        amount.currency == subtotal.currency
        and min_tip(amount.currency) <= amount <= max_tip(subtotal)
    )
