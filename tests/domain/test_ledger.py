"""The ledger: balanced transactions only, and each builder moves exactly what it says."""

from __future__ import annotations

import pytest

from bot.domain.ledger import (
    EXTERNAL_REFUNDS,
    EXTERNAL_STARS,
    EXTERNAL_STRIPE,
    PLATFORM_FEES,
    Entry,
    LedgerTransaction,
    balances,
    escrow_account,
    is_external,
    negative_internal_accounts,
    payment_received,
    payout,
    refund,
    release_to_seller,
    seller_payable,
    split,
)
from bot.domain.money import Money
from bot.domain.pricing import Escrow, OrderRates, SplitAmounts, split_amounts
from bot.errors import UnbalancedTransaction

RATES = OrderRates(buyer_fee_bps=500, seller_commission_bps=2000)


def usd(cents: int) -> Money:
    return Money(cents, "USD")


def entries_of(tx: LedgerTransaction) -> set[tuple[str, Money]]:
    return {(e.account, e.amount) for e in tx.entries}


def test_account_names() -> None:
    assert escrow_account(12) == "escrow:order:12"
    assert seller_payable(7) == "seller:7:payable"
    assert is_external(EXTERNAL_STRIPE) and is_external(EXTERNAL_STARS)
    assert is_external(EXTERNAL_REFUNDS)
    assert not is_external(PLATFORM_FEES) and not is_external(escrow_account(1))


def test_payment_moves_from_outside_into_escrow() -> None:
    tx = payment_received(12, usd(2100), EXTERNAL_STRIPE)
    assert tx.key == "order:12:payment" and tx.kind == "payment" and tx.order_id == 12
    assert entries_of(tx) == {(EXTERNAL_STRIPE, usd(-2100)), ("escrow:order:12", usd(2100))}
    stars = payment_received(3, Money(50, "XTR"))
    assert entries_of(stars) == {
        (EXTERNAL_STARS, Money(-50, "XTR")),
        (escrow_account(3), Money(50, "XTR")),
    }


def test_payment_must_come_from_outside_and_be_positive() -> None:
    with pytest.raises(UnbalancedTransaction):
        payment_received(1, usd(100), PLATFORM_FEES)
    with pytest.raises(UnbalancedTransaction):
        payment_received(1, usd(0))


def test_release_empties_the_escrow() -> None:
    tx = release_to_seller(5, usd(2100), 9, usd(1600), usd(500))
    assert tx.key == "order:5:release"
    assert entries_of(tx) == {
        (escrow_account(5), usd(-2100)),
        (seller_payable(9), usd(1600)),
        (PLATFORM_FEES, usd(500)),
    }
    free = release_to_seller(5, usd(2100), 9, usd(2100), usd(0))
    assert len(free.entries) == 2  # a zero fee line is left out, not written as a zero entry


@pytest.mark.parametrize(("net", "fee"), [(1600, 400), (1600, 600), (-100, 2200)])
def test_release_refuses_a_partial_or_negative_release(net: int, fee: int) -> None:
    with pytest.raises(UnbalancedTransaction):
        release_to_seller(5, usd(2100), 9, usd(net), usd(fee))


def test_refund_goes_out_to_refunds() -> None:
    tx = refund(5, usd(2100))
    assert tx.key == "order:5:refund"
    assert entries_of(tx) == {(escrow_account(5), usd(-2100)), (EXTERNAL_REFUNDS, usd(2100))}
    assert refund(5, usd(100), key="order:5:refund:2").key == "order:5:refund:2"
    with pytest.raises(UnbalancedTransaction):
        refund(5, usd(100), destination=seller_payable(1))


@pytest.mark.parametrize(
    ("total", "bps", "buyer", "seller", "commission"),
    [
        (10000, 5000, 5000, 4000, 1000),
        (10001, 5000, 5001, 4000, 1000),  # 5000.5 -> 5001 to the buyer
        (3, 5000, 2, 1, 0),  # 1.5 -> 2; rest 1, commission 0.2 -> 0
        (10000, 0, 0, 8000, 2000),
        (10000, 10_000, 10000, 0, 0),
        (999, 3333, 333, 533, 133),  # 332.97 -> 333; rest 666, commission 133.2 -> 133
    ],
)
def test_split_rule(total: int, bps: int, buyer: int, seller: int, commission: int) -> None:
    parts = split_amounts(Escrow(usd(total), usd(total)), bps, RATES)  # no buyer fees
    assert (parts.buyer_refund, parts.seller_net, parts.platform_fee) == (
        usd(buyer),
        usd(seller),
        usd(commission),
    )
    tx = split(8, usd(total), 4, parts)
    assert tx.key == "order:8:split"
    got = balances([tx])
    assert got[(escrow_account(8), "USD")] == -total
    assert got.get((EXTERNAL_REFUNDS, "USD"), 0) == buyer
    assert got.get((seller_payable(4), "USD"), 0) == seller
    assert got.get((PLATFORM_FEES, "USD"), 0) == commission
    assert all(not e.amount.is_zero() for e in tx.entries)


@pytest.mark.parametrize("bps", [-1, 10_001])
def test_split_share_out_of_range(bps: int) -> None:
    with pytest.raises(ValueError):
        split_amounts(Escrow(usd(100), usd(100)), bps, RATES)


@pytest.mark.parametrize(
    "parts",
    [
        SplitAmounts(usd(50), usd(40), usd(9)),  # leaves 1 in the escrow
        SplitAmounts(usd(60), usd(40), usd(1)),  # takes 1 more than it holds
        SplitAmounts(usd(-10), usd(90), usd(20)),  # a negative part
    ],
)
def test_split_refuses_parts_that_do_not_empty_the_escrow(parts: SplitAmounts) -> None:
    with pytest.raises(UnbalancedTransaction):
        split(8, usd(100), 4, parts)


def test_payout_to_stripe_or_stars() -> None:
    tx = payout(4, usd(1600), "payout:4:1")
    assert tx.order_id is None
    assert entries_of(tx) == {(seller_payable(4), usd(-1600)), (EXTERNAL_STRIPE, usd(1600))}
    stars = payout(4, Money(40, "XTR"), "payout:4:2")
    assert (EXTERNAL_STARS, Money(40, "XTR")) in entries_of(stars)
    with pytest.raises(UnbalancedTransaction):
        payout(4, usd(1), "payout:4:3", destination=PLATFORM_FEES)


def test_transaction_validation() -> None:
    ok = [Entry("a:1", usd(5)), Entry("b:1", usd(-5))]
    assert LedgerTransaction("k", "test", tuple(ok)).amount_for("a:1", "USD") == 5
    with pytest.raises(UnbalancedTransaction):
        LedgerTransaction("k", "test", (Entry("a:1", usd(0)), Entry("b:1", usd(0))))
    with pytest.raises(UnbalancedTransaction):
        LedgerTransaction("k", "test", (Entry("a:1", usd(5)),))
    with pytest.raises(UnbalancedTransaction) as info:
        LedgerTransaction("k", "test", (Entry("a:1", usd(5)), Entry("b:1", usd(-4))))
    assert info.value.params["difference"] == "0.01 USD"
    with pytest.raises(UnbalancedTransaction):  # balanced in total, not per currency
        LedgerTransaction("k", "test", (Entry("a:1", usd(5)), Entry("b:1", Money(-5, "EUR"))))
    with pytest.raises(UnbalancedTransaction):
        LedgerTransaction("", "test", tuple(ok))
    with pytest.raises(UnbalancedTransaction):
        Entry("", usd(1))
    two_currencies = (*ok, Entry("a:1", Money(3, "EUR")), Entry("b:1", Money(-3, "EUR")))
    assert len(LedgerTransaction("k", "fx", two_currencies).entries) == 4


def test_balances_and_negative_internal_accounts() -> None:
    txs = [
        payment_received(1, usd(2100)),
        release_to_seller(1, usd(2100), 9, usd(1600), usd(500)),
        payout(9, usd(1600), "payout:9:1"),
    ]
    got = balances(txs)
    assert got[(escrow_account(1), "USD")] == 0
    assert got[(seller_payable(9), "USD")] == 0
    assert got[(PLATFORM_FEES, "USD")] == 500
    assert got[(EXTERNAL_STRIPE, "USD")] == -500  # money came in from outside
    assert sum(got.values()) == 0
    assert negative_internal_accounts(got) == []
    overdrawn = balances([*txs, payout(9, usd(1), "payout:9:2")])
    assert negative_internal_accounts(overdrawn) == [(seller_payable(9), "USD")]


def test_payable_seller_reads_only_seller_payable_accounts() -> None:
    from bot.domain.ledger import payable_seller

    assert payable_seller(seller_payable(42)) == 42
    for other in ("platform:fees", "escrow:order:3", "seller:x:payable", "seller:7:other", ""):
        assert payable_seller(other) is None
