"""Pricing: every money rule of the marketplace in one place, pure and integer.

What the buyer pays on top of a price (service fee, small-order fee), what the seller keeps of
what is released to them (commission), what a group's admins earn for the orders their chat
brought (referral share), how a tip divides, and how an escrow divides when an order completes,
is cancelled or is split by an operator.

Rounding rule (the one rule for every line): each line is a number of basis points of the
amount it is charged on, computed once with integer arithmetic and rounded half up (ties away
from zero) to one minor unit of the currency -- `Money.percent_bps`. Lines are never re-rounded
after being added, and the last part of every division is "what is left", so the parts of a
division always sum exactly to the whole and none is ever negative.

The small-order fee is a flat amount added when the subtotal is *strictly* below a threshold in
the fee's own currency; orders in any other currency never pay it (there is no exchange rate in
the domain, and guessing one would be worse than skipping the fee).

Frozen rates: an order stores the rates it was placed under (`OrderRates`); everything that
settles it later (release, split, the commission on a tip, the referral share) takes those
rates, never the operator's current settings, so changing a setting changes new orders only.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.money import Money
from bot.errors import ConfigurationError

MAX_BPS = 10_000


def _check_bps(name: str, value: int) -> None:
    if type(value) is not int or not 0 <= value <= MAX_BPS:
        raise ConfigurationError(f"{name} must be an int from 0 to {MAX_BPS} basis points")


def _check_share(bps: int) -> None:
    """A share handed in at run time (a split percentage): ValueError, not a config error."""
    if type(bps) is not int or not 0 <= bps <= MAX_BPS:
        raise ValueError(f"a share must be an int from 0 to {MAX_BPS} basis points")


def _not_negative(amount: Money, what: str) -> None:
    if amount.is_negative():
        raise ValueError(f"{what} cannot be negative")


# ---------------------------------------------------------------------------------------------
# the rates: as configured, and as frozen on an order
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRates:
    """The rates an order was placed under, stored on the order and read at settlement.

    `small_order_threshold` is the threshold that applied to this order's currency (None when
    no small-order fee rule covered it); the fee actually charged is on the order's invoice.
    """

    buyer_fee_bps: int
    seller_commission_bps: int
    referral_bps: int = 0
    small_order_threshold: Money | None = None

    def __post_init__(self) -> None:
        _check_bps("buyer_fee_bps", self.buyer_fee_bps)
        _check_bps("seller_commission_bps", self.seller_commission_bps)
        _check_bps("referral_bps", self.referral_bps)


@dataclass(frozen=True)
class FeePolicy:
    """The marketplace's rates as configured now, checked once when built.

    Used to price new orders only; an order keeps the `OrderRates` it was placed under.
    """

    buyer_fee_bps: int
    seller_commission_bps: int
    small_order_fee: Money | None = None
    small_order_threshold: Money | None = None
    #: Group admins' share of an order that came from their chat's post (of the subtotal).
    referral_bps: int = 0

    def __post_init__(self) -> None:
        _check_bps("buyer_fee_bps", self.buyer_fee_bps)
        _check_bps("seller_commission_bps", self.seller_commission_bps)
        _check_bps("referral_bps", self.referral_bps)
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
        threshold = self.threshold_for(subtotal.currency)
        if self.small_order_fee is not None and threshold is not None and subtotal < threshold:
            return self.small_order_fee
        return Money.zero(subtotal.currency)

    def threshold_for(self, currency: str) -> Money | None:
        """The small-order threshold that applies to orders in `currency` (None: no such fee)."""
        threshold = self.small_order_threshold
        return threshold if threshold is not None and threshold.currency == currency else None

    def rates_for(self, currency: str, *, referral: bool = True) -> OrderRates:
        """What an order in `currency` freezes when it is placed; `referral=False` when the
        order came from no chat that may be credited (its referral rate is then 0)."""
        return OrderRates(
            buyer_fee_bps=self.buyer_fee_bps,
            seller_commission_bps=self.seller_commission_bps,
            referral_bps=self.referral_bps if referral else 0,
            small_order_threshold=self.threshold_for(currency),
        )


#: No fees at all (tests, and operators who run a free marketplace).
NO_FEES = FeePolicy(buyer_fee_bps=0, seller_commission_bps=0)


# ---------------------------------------------------------------------------------------------
# what the buyer pays
# ---------------------------------------------------------------------------------------------


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
    _not_negative(subtotal, "a subtotal")
    service_fee = subtotal.percent_bps(policy.buyer_fee_bps)
    small_fee = policy.small_order_fee_for(subtotal)
    return PriceBreakdown(
        subtotal=subtotal,
        service_fee=service_fee,
        small_order_fee=small_fee,
        total=subtotal + service_fee + small_fee,
    )


# ---------------------------------------------------------------------------------------------
# what the seller keeps
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settlement:
    """How an amount paid to a seller divides: `seller_net + commission == amount`."""

    seller_net: Money
    commission: Money

    @property
    def amount(self) -> Money:
        return self.seller_net + self.commission


def seller_settlement(amount: Money, commission_bps: int) -> Settlement:
    """Commission is `commission_bps` of `amount`, half up; the seller keeps the rest."""
    _not_negative(amount, "a settled amount")
    _check_bps("seller_commission_bps", commission_bps)
    commission = amount.percent_bps(commission_bps)
    return Settlement(seller_net=amount - commission, commission=commission)


def tip_division(tip: Money, rates: OrderRates) -> Settlement:
    """A tip goes to the seller less the commission rate of the order it was given on."""
    return seller_settlement(tip, rates.seller_commission_bps)


def referral_share(subtotal: Money, referral_bps: int, platform_fee: Money) -> Money:
    """A group's share of an order: `referral_bps` of the subtotal (half up), paid out of the
    platform's take on that order and never more than it (the platform never pays to refer)."""
    _not_negative(subtotal, "a subtotal")
    _check_bps("referral_bps", referral_bps)
    share = subtotal.percent_bps(referral_bps)
    return max(Money.zero(subtotal.currency), min(share, platform_fee))


# ---------------------------------------------------------------------------------------------
# how an escrow divides
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Escrow:
    """What an order's escrow holds now, read as the order's invoice lines.

    `held` may be less than the invoice total (part of it was refunded already); the
    subtotal counts first, so the part that is the price of the work is `min(subtotal, held)`
    and the buyer's fees (service and small-order fee) are the rest.
    """

    held: Money
    subtotal: Money

    def __post_init__(self) -> None:
        _not_negative(self.held, "an escrow")
        _not_negative(self.subtotal, "a subtotal")

    @property
    def work(self) -> Money:
        """The part of the escrow that pays for the work (divided with the seller)."""
        return min(self.subtotal, self.held)

    @property
    def fees(self) -> Money:
        """The part that is the buyer's fees (the platform's, or the buyer's on a refund)."""
        return self.held - self.work


@dataclass(frozen=True)
class Release:
    """Completion: `seller_net + platform_fee == held`; `referral` is then moved out of the
    platform's fee to the group the order came from (0 when none)."""

    seller_net: Money
    platform_fee: Money
    referral: Money


def release_amounts(escrow: Escrow, rates: OrderRates, *, referred: bool) -> Release:
    """The seller gets the work's part less the order's commission; the platform keeps the
    commission and the buyer's fees, and pays a referred order's group share out of that."""
    settlement = seller_settlement(escrow.work, rates.seller_commission_bps)
    platform_fee = escrow.held - settlement.seller_net
    referral = (
        referral_share(escrow.work, rates.referral_bps, platform_fee)
        if referred
        else Money.zero(escrow.held.currency)
    )
    return Release(settlement.seller_net, platform_fee, referral)


@dataclass(frozen=True)
class SplitAmounts:
    """How a split divides an escrow; the three parts sum to what the escrow held.

    `platform_fee` is what the platform keeps: the commission on the seller's part plus the
    buyer's fees that were not refunded.
    """

    buyer_refund: Money
    seller_net: Money
    platform_fee: Money

    @property
    def total(self) -> Money:
        return self.buyer_refund + self.seller_net + self.platform_fee


def split_amounts(escrow: Escrow, buyer_bps: int, rates: OrderRates) -> SplitAmounts:
    """The split rule: an operator gives the buyer `buyer_bps` of the order.

    - the work's part divides: the buyer gets `buyer_bps` of it back (half up), the seller the
      rest less the order's commission on that rest (half up), as a release would;
    - the buyer's fees (service and small-order fee) are refunded in the same proportion
      (`buyer_bps` of them, half up); the platform keeps the rest of them.

    So 0 % pays the seller exactly what a release would, 100 % refunds the buyer everything,
    and no fee the buyer paid ever reaches the seller.
    """
    _check_share(buyer_bps)
    work_refund = escrow.work.percent_bps(buyer_bps)
    settlement = seller_settlement(escrow.work - work_refund, rates.seller_commission_bps)
    fees_refund = escrow.fees.percent_bps(buyer_bps)
    return SplitAmounts(
        buyer_refund=work_refund + fees_refund,
        seller_net=settlement.seller_net,
        platform_fee=settlement.commission + (escrow.fees - fees_refund),
    )


def full_refund(escrow: Escrow) -> Money:
    """A cancelled order (unpaid work, a decline, a mutual or late cancellation, an operator's
    refund) returns everything the escrow holds, fees included: the buyer got nothing."""
    return escrow.held


__all__ = [
    "MAX_BPS",
    "NO_FEES",
    "Escrow",
    "FeePolicy",
    "OrderRates",
    "PriceBreakdown",
    "Release",
    "Settlement",
    "SplitAmounts",
    "buyer_breakdown",
    "full_refund",
    "referral_share",
    "release_amounts",
    "seller_settlement",
    "split_amounts",
    "tip_division",
]
