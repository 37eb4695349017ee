"""Pricing tables: one rounding per line (half up at one minor unit), small-order fee at its
threshold, the rates an order freezes, releases, splits, tips and referral shares."""

from __future__ import annotations

import pytest

from bot.domain.pricing import (
    NO_FEES,
    FeePolicy,
    PriceBreakdown,
    Settlement,
    buyer_breakdown,
    seller_settlement,
)
from bot.domain.money import Money
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
