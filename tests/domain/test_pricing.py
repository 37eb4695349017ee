"""Pricing tables: one rounding per line (half up at one minor unit), small-order fee at its
threshold, the rates an order freezes, releases, splits, tips and referral shares."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.money import Money
from bot.domain.pricing import (
    MAX_BPS,
    NO_FEES,
    Escrow,
    FeePolicy,
    OrderRates,
    PriceBreakdown,
    Release,
    Settlement,
    SplitAmounts,
    buyer_breakdown,
    full_refund,
    referral_share,
    release_amounts,
    seller_settlement,
    split_amounts,
    tip_division,
)
from bot.errors import ConfigurationError

POLICY = FeePolicy(
    buyer_fee_bps=550,  # 5.5 %
    seller_commission_bps=2000,  # 20 %
    small_order_fee=Money(200, "USD"),
    small_order_threshold=Money(4000, "USD"),
)


def usd(cents: int) -> Money:
    return Money(cents, "USD")


@pytest.mark.parametrize(
    ("subtotal", "service_fee", "small_fee"),
    [
        (usd(10000), usd(550), usd(0)),  # 100.00: 5.50, above threshold
        (usd(4000), usd(220), usd(0)),  # exactly at the threshold: no small-order fee
        (usd(3999), usd(220), usd(200)),  # one cent below: small-order fee applies
        (usd(1000), usd(55), usd(200)),
        (usd(10), usd(1), usd(200)),  # 0.55 cent -> 1 cent (half up)
        (usd(9), usd(0), usd(200)),  # 0.495 cent -> 0
        (usd(0), usd(0), usd(200)),
        (Money(100, "EUR"), Money(6, "EUR"), Money(0, "EUR")),  # other currency: never small fee
        (Money(1000, "JPY"), Money(55, "JPY"), Money(0, "JPY")),
        (Money(91, "XTR"), Money(5, "XTR"), Money(0, "XTR")),  # 5.005 -> 5
        (Money(100, "XTR"), Money(6, "XTR"), Money(0, "XTR")),  # 5.5 -> 6
    ],
)
def test_buyer_breakdown_table(subtotal: Money, service_fee: Money, small_fee: Money) -> None:
    breakdown = buyer_breakdown(subtotal, POLICY)
    assert breakdown.subtotal == subtotal
    assert breakdown.service_fee == service_fee
    assert breakdown.small_order_fee == small_fee
    assert breakdown.total == subtotal + service_fee + small_fee
    assert breakdown.fees == service_fee + small_fee


def test_no_fees_policy_charges_nothing() -> None:
    breakdown = buyer_breakdown(usd(1234), NO_FEES)
    assert breakdown.total == usd(1234)
    assert seller_settlement(usd(1234), NO_FEES.seller_commission_bps) == Settlement(
        usd(1234), usd(0)
    )


@pytest.mark.parametrize(
    ("amount", "bps", "net", "commission"),
    [
        (10000, 2000, 8000, 2000),
        (2, 2500, 1, 1),  # 0.5 -> 1 (half up)
        (1, 2000, 1, 0),  # 0.2 -> 0
        (3, 5000, 1, 2),  # 1.5 -> 2
        (0, 2000, 0, 0),
        (999, 1000, 899, 100),  # 99.9 -> 100
        (12345, 10_000, 0, 12345),
    ],
)
def test_seller_settlement_table(amount: int, bps: int, net: int, commission: int) -> None:
    settlement = seller_settlement(usd(amount), bps)
    assert settlement == Settlement(seller_net=usd(net), commission=usd(commission))
    assert settlement.amount == usd(amount)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"buyer_fee_bps": -1, "seller_commission_bps": 0},
        {"buyer_fee_bps": 10_001, "seller_commission_bps": 0},
        {"buyer_fee_bps": 0, "seller_commission_bps": -1},
        {"buyer_fee_bps": 0, "seller_commission_bps": 10_001},
        {"buyer_fee_bps": True, "seller_commission_bps": 0},
        {"buyer_fee_bps": 0, "seller_commission_bps": 0, "small_order_fee": usd(100)},
        {"buyer_fee_bps": 0, "seller_commission_bps": 0, "small_order_threshold": usd(100)},
        {
            "buyer_fee_bps": 0,
            "seller_commission_bps": 0,
            "small_order_fee": usd(100),
            "small_order_threshold": Money(100, "EUR"),
        },
        {
            "buyer_fee_bps": 0,
            "seller_commission_bps": 0,
            "small_order_fee": usd(-1),
            "small_order_threshold": usd(100),
        },
    ],
)
def test_bad_policies_are_configuration_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        FeePolicy(**kwargs)  # type: ignore[arg-type]


def test_policy_bounds_are_inclusive() -> None:
    assert FeePolicy(buyer_fee_bps=0, seller_commission_bps=10_000).seller_commission_bps == 10_000


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError):
        buyer_breakdown(usd(-1), POLICY)
    with pytest.raises(ValueError):
        seller_settlement(usd(-1), POLICY.seller_commission_bps)


def test_breakdown_refuses_a_total_that_is_not_the_sum() -> None:
    with pytest.raises(ValueError):
        PriceBreakdown(usd(100), usd(5), usd(0), usd(104))


# ---------------------------------------------------------------------------------------------
# frozen rates
# ---------------------------------------------------------------------------------------------

RATES = OrderRates(buyer_fee_bps=550, seller_commission_bps=2000, referral_bps=1000)
#: The issue's order: 20.00 subtotal + 1.10 service fee + 2.00 small-order fee.
ORDER = Escrow(held=usd(2310), subtotal=usd(2000))


def test_a_policy_freezes_its_rates_per_currency() -> None:
    policy = FeePolicy(
        buyer_fee_bps=550,
        seller_commission_bps=2000,
        small_order_fee=usd(200),
        small_order_threshold=usd(4000),
        referral_bps=1000,
    )
    assert policy.rates_for("USD") == OrderRates(550, 2000, 1000, usd(4000))
    assert policy.rates_for("XTR") == OrderRates(550, 2000, 1000, None)
    assert policy.rates_for("USD", referral=False).referral_bps == 0


@pytest.mark.parametrize("field", ["buyer_fee_bps", "seller_commission_bps", "referral_bps"])
@pytest.mark.parametrize("value", [-1, MAX_BPS + 1])
def test_frozen_rates_are_checked(field: str, value: int) -> None:
    values: dict[str, Any] = {
        "buyer_fee_bps": 0,
        "seller_commission_bps": 0,
        "referral_bps": 0,
        field: value,
    }
    with pytest.raises(ConfigurationError):
        OrderRates(**values)


# ---------------------------------------------------------------------------------------------
# release, split, tips, referral: tables
# ---------------------------------------------------------------------------------------------


def test_release_of_the_issue_order() -> None:
    assert release_amounts(ORDER, RATES, referred=False) == Release(usd(1600), usd(710), usd(0))
    # 10 % of the subtotal to the group that referred it, out of the platform's 7.10
    assert release_amounts(ORDER, RATES, referred=True) == Release(usd(1600), usd(710), usd(200))


@pytest.mark.parametrize(
    ("bps", "buyer", "seller", "platform"),
    [
        (0, 0, 1600, 710),  # what a release pays the seller: 16.00, not 18.48
        (4000, 800 + 124, 960, 240 + 186),
        (5000, 1000 + 155, 800, 200 + 155),
        # 666.6 -> 667 back, 103.23 -> 103 of the fees back; 20 % of 13.33 is 266.6 -> 267
        (3333, 667 + 103, 1333 - 267, 267 + 207),
        (MAX_BPS, 2310, 0, 0),  # a 100 % split refunds the buyer everything
    ],
)
def test_split_table(bps: int, buyer: int, seller: int, platform: int) -> None:
    parts = split_amounts(ORDER, bps, RATES)
    assert parts.total == ORDER.held
    assert (parts.buyer_refund, parts.seller_net) == (usd(buyer), usd(seller))
    assert parts.platform_fee == ORDER.held - usd(buyer) - usd(seller)


def test_split_of_an_escrow_already_partly_refunded() -> None:
    # 5.00 of 23.10 went back already: the subtotal counts first, the fees are what is left
    partly = Escrow(held=usd(1810), subtotal=usd(2000))
    assert (partly.work, partly.fees) == (usd(1810), usd(0))
    assert split_amounts(partly, 0, RATES) == SplitAmounts(usd(0), usd(1448), usd(362))


def test_tip_and_referral_and_refund_rules() -> None:
    assert tip_division(usd(500), RATES) == Settlement(usd(400), usd(100))
    assert referral_share(usd(2000), 1000, usd(150)) == usd(150)  # never above the platform's
    assert referral_share(usd(2000), 1000, usd(0)) == usd(0)
    assert full_refund(ORDER) == usd(2310)


@pytest.mark.parametrize("bps", [-1, MAX_BPS + 1, True])
def test_a_split_share_out_of_range_is_refused(bps: int) -> None:
    with pytest.raises(ValueError):
        split_amounts(ORDER, bps, RATES)


# ---------------------------------------------------------------------------------------------
# properties: parts always sum to the whole, never negative, rounding as documented
# ---------------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=300, deadline=None)
currencies = st.sampled_from(["USD", "EUR", "JPY", "XTR"])
minor = st.integers(0, 10**10)
bps = st.integers(0, MAX_BPS)
rates = st.builds(OrderRates, buyer_fee_bps=bps, seller_commission_bps=bps, referral_bps=bps)


@st.composite
def escrows(draw: st.DrawFn) -> Escrow:
    currency = draw(currencies)
    subtotal = draw(minor)
    fees = draw(st.integers(0, 10**8))
    refunded = draw(st.integers(0, subtotal + fees))  # a part may be gone already
    return Escrow(Money(subtotal + fees - refunded, currency), Money(subtotal, currency))


def half_up(amount: int, share: int) -> int:
    """The documented rounding: amount x share / 10 000, halves away from zero."""
    quotient, remainder = divmod(amount * share, MAX_BPS)
    return quotient + (1 if 2 * remainder >= MAX_BPS else 0)


@PROPERTY
@given(currencies, minor, bps, bps)
def test_invoice_lines_follow_the_rounding_rule(
    currency: str, subtotal: int, fee_bps: int, commission_bps: int
) -> None:
    policy = FeePolicy(buyer_fee_bps=fee_bps, seller_commission_bps=commission_bps)
    breakdown = buyer_breakdown(Money(subtotal, currency), policy)
    assert breakdown.service_fee.amount_minor == half_up(subtotal, fee_bps)
    assert breakdown.total == breakdown.subtotal + breakdown.fees
    settlement = seller_settlement(Money(subtotal, currency), commission_bps)
    assert settlement.commission.amount_minor == half_up(subtotal, commission_bps)
    assert settlement.amount == Money(subtotal, currency)
    assert not settlement.seller_net.is_negative()


@PROPERTY
@given(escrows(), rates, st.booleans())
def test_a_release_empties_the_escrow_and_never_goes_negative(
    escrow: Escrow, order_rates: OrderRates, referred: bool
) -> None:
    parts = release_amounts(escrow, order_rates, referred=referred)
    assert parts.seller_net + parts.platform_fee == escrow.held
    assert not parts.seller_net.is_negative() and not parts.platform_fee.is_negative()
    assert not parts.referral.is_negative() and parts.referral <= parts.platform_fee
    assert parts.seller_net <= escrow.work  # the buyer's fees never reach the seller
    if not referred:
        assert parts.referral.is_zero()


@PROPERTY
@given(escrows(), rates, bps)
def test_a_split_empties_the_escrow_and_never_goes_negative(
    escrow: Escrow, order_rates: OrderRates, share: int
) -> None:
    parts = split_amounts(escrow, share, order_rates)
    assert parts.total == escrow.held
    assert not any(
        part.is_negative() for part in (parts.buyer_refund, parts.seller_net, parts.platform_fee)
    )
    assert parts.seller_net <= escrow.work
    assert parts.buyer_refund.amount_minor == half_up(escrow.work.amount_minor, share) + half_up(
        escrow.fees.amount_minor, share
    )


@PROPERTY
@given(escrows(), rates, bps, bps)
def test_a_split_gives_the_buyer_more_as_the_share_grows(
    escrow: Escrow, order_rates: OrderRates, low: int, high: int
) -> None:
    low, high = sorted((low, high))
    smaller, larger = (split_amounts(escrow, s, order_rates) for s in (low, high))
    assert smaller.buyer_refund <= larger.buyer_refund
    assert smaller.seller_net >= larger.seller_net


@PROPERTY
@given(escrows(), rates)
def test_split_ends_meet_release_and_refund(escrow: Escrow, order_rates: OrderRates) -> None:
    release = release_amounts(escrow, order_rates, referred=False)
    nothing_back = split_amounts(escrow, 0, order_rates)
    assert (nothing_back.seller_net, nothing_back.platform_fee) == (
        release.seller_net,
        release.platform_fee,
    )
    everything_back = split_amounts(escrow, MAX_BPS, order_rates)
    assert everything_back.buyer_refund == full_refund(escrow)


@PROPERTY
@given(currencies, minor, rates, minor)
def test_tips_and_referral_shares_divide_exactly(
    currency: str, amount: int, order_rates: OrderRates, platform: int
) -> None:
    tip = tip_division(Money(amount, currency), order_rates)
    assert tip.amount == Money(amount, currency) and not tip.seller_net.is_negative()
    cap = Money(platform, currency)
    share = referral_share(Money(amount, currency), order_rates.referral_bps, cap)
    assert Money(0, currency) <= share <= cap
