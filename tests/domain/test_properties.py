"""Property tests: the state machine never escapes, the ledger always balances, escrow is exact."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import event as note_event
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.ledger import (
    EXTERNAL_REFUNDS,
    EXTERNAL_STRIPE,
    PLATFORM_FEES,
    Entry,
    LedgerTransaction,
    balances,
    escrow_account,
    negative_internal_accounts,
    payment_received,
    payout,
    refund,
    release_to_seller,
    seller_payable,
    split,
    sums_by_currency,
)
from bot.domain.money import Money
from bot.domain.order import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Actor,
    OrderEvent,
    OrderFacts,
    OrderStatus,
    allowed_events,
    transition,
)
from bot.domain.pricing import (
    Escrow,
    FeePolicy,
    PriceBreakdown,
    buyer_breakdown,
    release_amounts,
    seller_settlement,
    split_amounts,
)
from bot.errors import TransitionRefused, UnbalancedTransaction

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CURRENCIES = ["USD", "EUR", "JPY", "XTR"]

optional_times = st.one_of(
    st.none(), st.integers(-72, 72).map(lambda hours: NOW + timedelta(hours=hours))
)
facts_strategy = st.builds(
    OrderFacts,
    now=st.just(NOW),
    due_at=optional_times,
    revisions_used=st.integers(0, 5),
    revisions_allowed=st.one_of(st.none(), st.integers(0, 5)),
    seller_started=st.booleans(),
    decline_until=optional_times,
    auto_complete_at=optional_times,
    has_delivered=st.booleans(),
)
steps = st.lists(
    st.tuples(st.sampled_from(OrderEvent), st.sampled_from(Actor), facts_strategy), max_size=40
)
PROPERTY = settings(max_examples=120, deadline=None)


@PROPERTY
@given(steps)
def test_random_sequences_stay_inside_the_machine(
    sequence: list[tuple[OrderEvent, Actor, OrderFacts]],
) -> None:
    status = OrderStatus.awaiting_payment
    for event, actor, facts in sequence:
        was_closed = status in CLOSED_STATUSES
        offered = event in allowed_events(status, actor, facts)
        try:
            new_status = transition(status, event, actor, facts)
        except TransitionRefused:
            assert not offered  # a button shown is never refused
            continue
        assert offered
        assert isinstance(new_status, OrderStatus)
        assert not was_closed, "a terminal state was left"
        status = new_status
    assert status in OrderStatus


# ---------------------------------------------------------------------------------------------
# ledger
# ---------------------------------------------------------------------------------------------

accounts = st.sampled_from(
    [EXTERNAL_STRIPE, EXTERNAL_REFUNDS, PLATFORM_FEES, "escrow:order:1", "seller:2:payable"]
)
nonzero_amounts = st.integers(-(10**9), 10**9).filter(lambda n: n != 0)


@st.composite
def balanced_entries(draw: st.DrawFn) -> tuple[Entry, ...]:
    """Random entries in one or two currencies, each currency closed by a balancing entry."""
    entries: list[Entry] = []
    for currency in draw(
        st.lists(st.sampled_from(CURRENCIES), min_size=1, max_size=2, unique=True)
    ):
        amounts = draw(st.lists(nonzero_amounts, min_size=1, max_size=6))
        if sum(amounts) == 0:
            amounts.append(1)
        for amount in amounts:
            entries.append(Entry(draw(accounts), Money(amount, currency)))
        entries.append(Entry(draw(accounts), Money(-sum(amounts), currency)))
    return tuple(draw(st.permutations(entries)))


@PROPERTY
@given(balanced_entries())
def test_balanced_entry_sets_are_accepted_and_sum_to_zero(entries: tuple[Entry, ...]) -> None:
    tx = LedgerTransaction(key="k", kind="random", entries=entries)
    assert all(total == 0 for total in sums_by_currency(tx.entries).values())
    assert sum(balances([tx]).values()) == 0


@PROPERTY
@given(balanced_entries(), nonzero_amounts, st.sampled_from(CURRENCIES), accounts)
def test_unbalanced_entry_sets_are_refused(
    entries: tuple[Entry, ...], delta: int, currency: str, account: str
) -> None:
    unbalanced = (*entries, Entry(account, Money(delta, currency)))
    try:
        LedgerTransaction(key="k", kind="random", entries=unbalanced)
    except UnbalancedTransaction:
        return
    raise AssertionError("an unbalanced transaction was accepted")


positive_minor = st.integers(1, 10**10)
bps = st.integers(0, 10_000)


@PROPERTY
@given(
    st.sampled_from(CURRENCIES),
    positive_minor,
    bps,
    bps,
    st.integers(1, 10**6),
    st.integers(1, 10**6),
)
def test_builders_always_balance(
    currency: str, total: int, refund_bps: int, commission_bps: int, order_id: int, seller: int
) -> None:
    money = Money(total, currency)
    policy = FeePolicy(buyer_fee_bps=0, seller_commission_bps=commission_bps)
    settlement = seller_settlement(money, commission_bps)
    parts = split_amounts(Escrow(money, money), refund_bps, policy.rates_for(currency))
    built = [
        payment_received(order_id, money),
        release_to_seller(order_id, money, seller, settlement.seller_net, settlement.commission),
        refund(order_id, money),
        split(order_id, money, seller, parts),
        payout(seller, money, f"payout:{seller}"),
    ]
    for tx in built:
        assert all(total == 0 for total in sums_by_currency(tx.entries).values())
        assert not any(entry.amount.is_zero() for entry in tx.entries)
    # each of release, refund and split takes exactly the escrow total out of the escrow
    for tx in built[1:4]:
        assert tx.amount_for(escrow_account(order_id), currency) == -total


# ---------------------------------------------------------------------------------------------
# escrow through random life cycles
# ---------------------------------------------------------------------------------------------

EVENTS = list(OrderEvent)
#: (pick, actor, facts): a non-negative pick chooses among the (event, actor) pairs allowed now,
#: a negative one any event by `actor` (so refusals happen along the way too).
guided_steps = st.lists(
    st.tuples(st.integers(-2, 30), st.sampled_from(Actor), facts_strategy), max_size=25
)
RELEASE_EVENTS = {OrderEvent.approve, OrderEvent.auto_complete, OrderEvent.resolve_release}


@dataclass
class SimulatedOrder:
    """One order moved through the state machine, writing the ledger as a service would."""

    breakdown: PriceBreakdown
    policy: FeePolicy
    buyer_share_bps: int = 5000
    order_id: int = 42
    seller_id: int = 7
    status: OrderStatus = OrderStatus.awaiting_payment
    paid: int = 0
    ledger: list[LedgerTransaction] = field(default_factory=list)

    def apply(self, event: OrderEvent, actor: Actor, facts: OrderFacts) -> None:
        """Transition (may raise TransitionRefused) plus the money movement that goes with it."""
        new_status = transition(self.status, event, actor, facts)
        total = self.breakdown.total
        if event is OrderEvent.pay:
            self.ledger.append(payment_received(self.order_id, total))
            self.paid = total.amount_minor
        elif event in RELEASE_EVENTS:
            rates = self.policy.rates_for(total.currency)
            parts = release_amounts(self.escrow, rates, referred=False)
            self.ledger.append(
                release_to_seller(
                    self.order_id, total, self.seller_id, parts.seller_net, parts.platform_fee
                )
            )
        elif new_status is OrderStatus.split:
            rates = self.policy.rates_for(total.currency)
            split_parts = split_amounts(self.escrow, self.buyer_share_bps, rates)
            self.ledger.append(split(self.order_id, total, self.seller_id, split_parts))
        elif new_status is OrderStatus.cancelled and self.paid:
            self.ledger.append(refund(self.order_id, total))
        self.status = new_status

    @property
    def escrow(self) -> Escrow:
        return Escrow(self.breakdown.total, self.breakdown.subtotal)

    def check(self) -> None:
        """The escrow invariant (docs/architecture.md), and no internal account below zero."""
        now = balances(self.ledger)
        escrow = now.get((escrow_account(self.order_id), self.breakdown.total.currency), 0)
        assert escrow == (self.paid if self.status in OPEN_STATUSES else 0)
        assert negative_internal_accounts(now) == []
        assert sum(now.values()) == 0

    def pay_out_seller(self) -> None:
        currency = self.breakdown.total.currency
        key = (seller_payable(self.seller_id), currency)
        owed = balances(self.ledger).get(key, 0)
        if owed:
            self.ledger.append(
                payout(self.seller_id, Money(owed, currency), f"payout:{self.seller_id}:1")
            )
        assert balances(self.ledger).get(key, 0) == 0


@PROPERTY
@given(
    st.sampled_from(CURRENCIES),
    st.integers(1, 10**7),
    bps,
    bps,
    bps,
    guided_steps,
)
def test_escrow_holds_what_was_paid_until_the_order_closes(
    currency: str,
    subtotal_minor: int,
    buyer_fee_bps: int,
    commission_bps: int,
    buyer_share_bps: int,
    sequence: list[tuple[int, Actor, OrderFacts]],
) -> None:
    policy = FeePolicy(buyer_fee_bps=buyer_fee_bps, seller_commission_bps=commission_bps)
    order = SimulatedOrder(
        buyer_breakdown(Money(subtotal_minor, currency), policy), policy, buyer_share_bps
    )
    for pick, any_actor, facts in sequence:
        # mostly something someone may do now (a button press), sometimes anything at all
        offered = [(e, a) for a in Actor for e in allowed_events(order.status, a, facts)]
        if offered and pick >= 0:
            event, actor = offered[pick % len(offered)]
        else:
            event, actor = EVENTS[pick % len(EVENTS)], any_actor
        try:
            order.apply(event, actor, facts)
        except TransitionRefused:
            assert (event, actor) not in offered
            continue
        order.check()
    note_event(f"final status: {order.status.value}")
    order.pay_out_seller()
    order.check()


B, SE, OP, SY = Actor.buyer, Actor.seller, Actor.operator, Actor.system
E = OrderEvent
LIFE_CYCLES: list[tuple[list[tuple[OrderEvent, Actor]], OrderStatus]] = [
    ([(E.pay, B), (E.deliver, SE), (E.approve, B)], OrderStatus.completed),
    (
        [
            (E.pay, B),
            (E.deliver, SE),
            (E.request_revision, B),
            (E.deliver, SE),
            (E.auto_complete, SY),
        ],
        OrderStatus.completed,
    ),
    ([(E.cancel_unpaid, B)], OrderStatus.cancelled),
    ([(E.expire, SY)], OrderStatus.cancelled),
    ([(E.pay, B), (E.decline, SE)], OrderStatus.cancelled),
    ([(E.pay, B), (E.cancel_late, B)], OrderStatus.cancelled),
    ([(E.pay, B), (E.deliver, SE), (E.mutual_cancel, SY)], OrderStatus.cancelled),
    ([(E.pay, B), (E.open_dispute, B), (E.resolve_refund, OP)], OrderStatus.cancelled),
    (
        [(E.pay, B), (E.deliver, SE), (E.open_dispute, SE), (E.resolve_release, OP)],
        OrderStatus.completed,
    ),
    ([(E.pay, B), (E.open_dispute, SE), (E.resolve_split, OP)], OrderStatus.split),
]


@pytest.mark.parametrize(("steps_", "final"), LIFE_CYCLES)
@pytest.mark.parametrize("buyer_share_bps", [0, 3333, 10_000])
def test_each_way_to_close_an_order_empties_its_escrow(
    steps_: list[tuple[OrderEvent, Actor]], final: OrderStatus, buyer_share_bps: int
) -> None:
    policy = FeePolicy(
        buyer_fee_bps=550,
        seller_commission_bps=2000,
        small_order_fee=Money(200, "USD"),
        small_order_threshold=Money(4000, "USD"),
    )
    order = SimulatedOrder(buyer_breakdown(Money(2999, "USD"), policy), policy, buyer_share_bps)
    facts = OrderFacts(
        now=NOW,
        due_at=NOW - timedelta(hours=1),
        revisions_allowed=1,
        decline_until=NOW + timedelta(hours=1),
        auto_complete_at=NOW,
    )
    for event, actor in steps_:
        order.apply(event, actor, facts)
        order.check()
    assert order.status is final
    order.pay_out_seller()
    order.check()
    fees = balances(order.ledger).get((PLATFORM_FEES, "USD"), 0)
    if final is OrderStatus.completed:
        # 29.99 + 1.65 service fee + 2.00 small-order fee; 20 % commission on 29.99 is 6.00
        assert order.paid == 3364
        assert fees == 165 + 200 + 600
