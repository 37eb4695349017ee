"""The reconcile core: provider objects against ledger transactions, one case per mismatch kind.

Pure function, plain data: no database, no provider. The orchestration around it (listing,
the safety net) is tested in tests/services/test_reconcile.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.ledger import (
    LedgerTransaction,
    payment_received,
    payout,
    refund,
    split,
    stars_ref,
    stars_refund_ref,
    stripe_ref,
    tip_received,
)
from bot.domain.money import Money
from bot.domain.pricing import Escrow, OrderRates, split_amounts
from bot.domain.reconcile import (
    BookedTransaction,
    MismatchKind,
    ProviderObject,
    match,
    missing_charges,
)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
USD = "USD"


def charge(object_id: str, amount: int, currency: str = USD, at: datetime = T0) -> ProviderObject:
    return ProviderObject(stripe_ref(object_id) or "", "charge", "in", Money(amount, currency), at)


def card_out(
    object_id: str, amount: int, kind: str = "refund", at: datetime = T0
) -> ProviderObject:
    return ProviderObject(stripe_ref(object_id) or "", kind, "out", Money(amount, USD), at)


def booked(transaction: LedgerTransaction, at: datetime = T0) -> BookedTransaction:
    return BookedTransaction(transaction, at)


def paid(order_id: int, amount: int, ref: str | None, currency: str = USD) -> BookedTransaction:
    return booked(payment_received(order_id, Money(amount, currency), provider_ref=ref))


def test_every_object_matched_once_is_clean() -> None:
    rates = OrderRates(buyer_fee_bps=550, seller_commission_bps=2000)
    escrow = Escrow(Money(2310, USD), Money(2310, USD))  # no buyer fees: 30.31 % is 7.00
    provider = [
        charge("ch_1", 2310),
        card_out("re_1", 2310),
        charge("ch_2", 2310),
        card_out("re_2", 700),  # the buyer's part of a split
        card_out("tr_1", 1600, "transfer"),
        charge("ch_tip", 300),
        ProviderObject(stars_ref("st_1") or "", "stars_payment", "in", Money(100, "XTR"), T0),
        ProviderObject(
            stars_refund_ref("st_1") or "", "stars_refund", "out", Money(100, "XTR"), T0
        ),
    ]
    ledger = [
        paid(1, 2310, "stripe:ch_1"),
        booked(refund(1, Money(2310, USD), provider_ref="stripe:re_1")),
        paid(2, 2310, "stripe:ch_2"),
        booked(
            split(
                2,
                Money(2310, USD),
                7,
                split_amounts(escrow, 3031, rates),
                provider_ref="stripe:re_2",
            )
        ),
        booked(payout(7, Money(1600, USD), "order:3:payout", provider_ref="stripe:tr_1")),
        booked(
            tip_received(
                3,
                "tg_tip",
                Money(300, USD),
                7,
                Money(240, USD),
                "external:stripe",
                provider_ref="stripe:ch_tip",
            )
        ),
        paid(4, 100, "stars:st_1", "XTR"),
        booked(refund(4, Money(100, "XTR"), provider_ref="stars-refund:st_1")),
    ]
    report = match(provider, ledger)
    assert report.mismatches == ()
    assert report.clean
    assert report.summary() == "reconcile: 8 provider objects, 8 ledger transactions, 0 mismatches"


def test_a_charge_the_ledger_lacks_is_missing_in_the_ledger() -> None:
    report = match([charge("ch_1", 2310), charge("ch_2", 2310)], [paid(1, 2310, "stripe:ch_1")])
    assert [(m.kind, m.ref) for m in report.mismatches] == [
        (MismatchKind.missing_in_ledger, "stripe:ch_2")
    ]
    assert [m.ref for m in missing_charges(report)] == ["stripe:ch_2"]
    assert report.lines()[-1] == (
        "reconcile: 2 provider objects, 1 ledger transactions, 1 mismatches"
    )
    assert "missing in the ledger: stripe:ch_2" in report.lines()[0]


def test_a_refund_the_ledger_lacks_is_no_charge_to_book() -> None:
    report = match([card_out("re_9", 100)], [])
    assert [m.kind for m in report.mismatches] == [MismatchKind.missing_in_ledger]
    assert missing_charges(report) == []  # money went out: nothing for the safety net to book


def test_a_ledger_reference_the_provider_lacks_is_missing_at_the_provider() -> None:
    report = match([], [paid(1, 2310, "stripe:ch_gone")])
    [mismatch] = report.mismatches
    assert mismatch.kind is MismatchKind.missing_at_provider
    assert mismatch.ledger_keys == ("order:1:payment",)
    assert report.provider_objects == 0 and report.ledger_transactions == 1


def test_amounts_differ() -> None:
    report = match(
        [card_out("re_1", 100)], [booked(refund(1, Money(2310, USD), provider_ref="stripe:re_1"))]
    )
    [mismatch] = report.mismatches
    assert mismatch.kind is MismatchKind.amount_differs
    assert "ledger" in mismatch.line() and "23.10" in mismatch.line()


def test_currencies_differ() -> None:
    report = match([charge("ch_1", 2310, "EUR")], [paid(1, 2310, "stripe:ch_1")])
    assert [m.kind for m in report.mismatches] == [MismatchKind.currency_differs]


def test_a_provider_object_booked_twice_is_matched_twice() -> None:
    ledger = [paid(1, 2310, "stripe:ch_1"), paid(2, 2310, "stripe:ch_1")]
    report = match([charge("ch_1", 2310)], ledger)
    [mismatch] = report.mismatches
    assert mismatch.kind is MismatchKind.matched_twice
    assert mismatch.ledger_keys == ("order:1:payment", "order:2:payment")


def test_the_same_object_listed_twice_is_matched_twice() -> None:
    report = match([charge("ch_1", 2310), charge("ch_1", 2310)], [paid(1, 2310, "stripe:ch_1")])
    assert [m.kind for m in report.mismatches] == [MismatchKind.matched_twice]


def test_transactions_without_a_reference_are_not_matched() -> None:
    release_like = booked(payment_received(1, Money(2310, USD)))  # no provider_ref
    report = match([], [release_like])
    assert report.clean and report.ledger_transactions == 0


def test_since_counts_only_the_window_but_matches_across_its_edge() -> None:
    since = T0
    before = T0 - timedelta(minutes=5)
    provider = [
        charge("ch_old", 100, at=before - timedelta(days=3)),
        charge("ch_edge", 200, at=before),
    ]
    ledger = [
        booked(
            payment_received(2, Money(200, USD), provider_ref="stripe:ch_edge"),
            T0 + timedelta(minutes=1),
        ),
        paid(9, 999, "stripe:ch_lost_old"),
    ]
    ledger[1] = BookedTransaction(ledger[1].transaction, before - timedelta(days=2))
    report = match(provider, ledger, since)
    # ch_old (unbooked, before the window) and the old dangling reference are not reported;
    # ch_edge (just before) and its booking (just after) match.
    assert report.clean
    assert report.provider_objects == 0 and report.ledger_transactions == 1


def test_dedupe_keys_are_stable_and_bounded() -> None:
    long_ref = "stars:" + "x" * 300
    report = match([], [paid(1, 10, long_ref, "XTR")])
    [mismatch] = report.mismatches
    assert mismatch.dedupe == match([], [paid(1, 10, long_ref, "XTR")]).mismatches[0].dedupe
    assert len(mismatch.dedupe) <= 100
