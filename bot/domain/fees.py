"""What the buyer pays on top of a price, and what the seller keeps of it.

Rounding rule (the one rule for every fee line): each fee is a number of basis points of the
amount it is charged on, computed once per fee line with integer arithmetic and rounded half up
(ties away from zero) to one minor unit of the currency -- `Money.percent_bps`. Lines are never
re-rounded after being added, so the total a buyer sees is exactly the sum of the lines shown,
and the seller's net plus the commission is exactly the amount settled.

The small-order fee is a flat amount added when the subtotal is *strictly* below a threshold in
the fee's own currency; orders in any other currency never pay it (there is no exchange rate in
the domain, and guessing one would be worse than skipping the fee).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.money import Money
from bot.errors import ConfigurationError

MAX_BPS = 10_000


def _check_bps(name: str, value: int) -> None:
    if type(value) is not int or not 0 <= value <= MAX_BPS:
        raise ConfigurationError(f"{name} must be an int from 0 to {MAX_BPS} basis points")


@dataclass(frozen=True)
class FeePolicy:
    """The marketplace's fee settings (from configuration), checked once when built."""

    buyer_fee_bps: int
    seller_commission_bps: int
    small_order_fee: Money | None = None
    small_order_threshold: Money | None = None

    def __post_init__(self) -> None:
        _check_bps("buyer_fee_bps", self.buyer_fee_bps)
        _check_bps("seller_commission_bps", self.seller_commission_bps)
        fee, threshold = self.small_order_fee, self.small_order_threshold
        if (fee is None) != (threshold is None):
            raise ConfigurationError(
                "small_order_fee and small_order_threshold must be set together"
            )
        if fee is not None and threshold is not None:
            if fee.currency != threshold.currency:
                raise ConfigurationError("small_order_fee and its threshold differ in currency")
            if fee.is_negative() or threshold.is_negative():
                raise ConfigurationError("small_order_fee and its threshold cannot be negative")

    def small_order_fee_for(self, subtotal: Money) -> Money:
        """The flat fee when `subtotal` is below the threshold in the same currency, else zero."""
        fee, threshold = self.small_order_fee, self.small_order_threshold
        if (
            fee is not None
            and threshold is not None
            and subtotal.currency == fee.currency
            and subtotal < threshold
        ):
            return fee
        return Money.zero(subtotal.currency)


#: No fees at all (tests, and operators who run a free marketplace).
NO_FEES = FeePolicy(buyer_fee_bps=0, seller_commission_bps=0)


@dataclass(frozen=True)
class PriceBreakdown:
    """The lines of a buyer's invoice; `total` is exactly the sum of the other three."""

    subtotal: Money
    service_fee: Money
    small_order_fee: Money
    total: Money

    def __post_init__(self) -> None:
        if self.subtotal + self.service_fee + self.small_order_fee != self.total:
            raise ValueError("PriceBreakdown.total must equal the sum of its lines")

    @property
    def fees(self) -> Money:
        return self.service_fee + self.small_order_fee


def buyer_breakdown(subtotal: Money, policy: FeePolicy) -> PriceBreakdown:
    """The invoice lines for a subtotal (package price plus extras) under `policy`."""
    if subtotal.is_negative():
        raise ValueError("a subtotal cannot be negative")
    service_fee = subtotal.percent_bps(policy.buyer_fee_bps)
    small_fee = policy.small_order_fee_for(subtotal)
    return PriceBreakdown(
        subtotal=subtotal,
        service_fee=service_fee,
        small_order_fee=small_fee,
        total=subtotal + service_fee + small_fee,
    )


@dataclass(frozen=True)
class Settlement:
    """How an amount released to a seller divides: `seller_net + commission == amount`."""

    seller_net: Money
    commission: Money

    @property
    def amount(self) -> Money:
        return self.seller_net + self.commission


def seller_settlement(amount: Money, policy: FeePolicy) -> Settlement:
    """Commission is `seller_commission_bps` of `amount`, half up; the seller keeps the rest."""
    if amount.is_negative():
        raise ValueError("a settled amount cannot be negative")
    commission = amount.percent_bps(policy.seller_commission_bps)
    return Settlement(seller_net=amount - commission, commission=commission)


__all__ = [
    "MAX_BPS",
    "NO_FEES",
    "FeePolicy",
    "PriceBreakdown",
    "Settlement",
    "buyer_breakdown",
    "seller_settlement",
]
