"""The order state machine: the whole (state, event, actor) cross product, and every guard."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.order import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    ORDER_STATUS_LABELS,
    TRANSITIONS,
    Actor,
    OrderEvent,
    OrderFacts,
    OrderStatus,
    allowed_events,
    is_terminal,
    refusal,
    transition,
)
from bot.errors import TransitionRefused

S, E, A = OrderStatus, OrderEvent, Actor
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)

#: Facts under which every guard passes, so only the table decides.
PERMISSIVE = OrderFacts(
    now=NOW,
    due_at=NOW - HOUR,
    revisions_used=0,
    revisions_allowed=None,
    seller_started=False,
    decline_until=NOW + HOUR,
    auto_complete_at=NOW - HOUR,
)

#: The rules of the brief, written out independently of the module's table.
EXPECTED: dict[tuple[OrderStatus, OrderEvent, Actor], OrderStatus] = {
    (S.awaiting_payment, E.pay, A.buyer): S.in_progress,
    (S.awaiting_payment, E.expire, A.system): S.cancelled,
    (S.awaiting_payment, E.cancel_unpaid, A.buyer): S.cancelled,
    (S.in_progress, E.deliver, A.seller): S.delivered,
    (S.delivered, E.request_revision, A.buyer): S.in_progress,
    (S.delivered, E.approve, A.buyer): S.completed,
    (S.delivered, E.auto_complete, A.system): S.completed,
    (S.in_progress, E.decline, A.seller): S.cancelled,
    (S.in_progress, E.cancel_before_start, A.buyer): S.cancelled,
    (S.in_progress, E.cancel_late, A.buyer): S.cancelled,
    (S.in_progress, E.mutual_cancel, A.system): S.cancelled,
    (S.delivered, E.mutual_cancel, A.system): S.cancelled,
    (S.in_progress, E.open_dispute, A.buyer): S.disputed,
    (S.in_progress, E.open_dispute, A.seller): S.disputed,
    (S.delivered, E.open_dispute, A.buyer): S.disputed,
    (S.delivered, E.open_dispute, A.seller): S.disputed,
    (S.disputed, E.resolve_release, A.operator): S.completed,
    (S.disputed, E.resolve_refund, A.operator): S.cancelled,
    (S.disputed, E.resolve_split, A.operator): S.split,
}

CROSS_PRODUCT = list(itertools.product(OrderStatus, OrderEvent, Actor))


def test_table_is_exactly_the_rules() -> None:
    assert {key: row.target for key, row in TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(("status", "event", "actor"), sorted(EXPECTED))
def test_every_allowed_transition(status: OrderStatus, event: OrderEvent, actor: Actor) -> None:
    assert transition(status, event, actor, PERMISSIVE) == EXPECTED[(status, event, actor)]
    assert event in allowed_events(status, actor, PERMISSIVE)


@pytest.mark.parametrize(
    ("status", "event", "actor"), [key for key in CROSS_PRODUCT if key not in EXPECTED]
)
def test_every_other_combination_is_refused(
    status: OrderStatus, event: OrderEvent, actor: Actor
) -> None:
    with pytest.raises(TransitionRefused) as info:
        transition(status, event, actor, PERMISSIVE)
    error = info.value
    assert error.params["status"] == status.value
    assert error.params["event"] == event.value
    assert error.params["actor"] == actor.value
    assert status.value in error.render_untranslated()
    assert event not in allowed_events(status, actor, PERMISSIVE)


def test_cross_product_size() -> None:
    assert len(CROSS_PRODUCT) == 7 * 15 * 4
    assert len(EXPECTED) == 19


def test_terminal_statuses_have_no_way_out() -> None:
    assert {S.completed, S.cancelled, S.split} == CLOSED_STATUSES
    assert {S.awaiting_payment, S.in_progress, S.delivered, S.disputed} == OPEN_STATUSES
    assert all(status not in CLOSED_STATUSES for status, _, _ in TRANSITIONS)
    for status in OrderStatus:
        assert is_terminal(status) == (status in CLOSED_STATUSES)
        for actor in Actor:
            if status in CLOSED_STATUSES:
                assert allowed_events(status, actor, PERMISSIVE) == []
    assert set(ORDER_STATUS_LABELS) == set(OrderStatus)


def test_transition_accepts_plain_strings() -> None:
    assert transition("awaiting_payment", "pay", "buyer", PERMISSIVE) == S.in_progress  # type: ignore[arg-type]


# (key, facts that allow, facts that refuse, a fragment of the refusal)
GUARDS: list[tuple[tuple[OrderStatus, OrderEvent, Actor], OrderFacts, OrderFacts, str]] = [
    (
        (S.delivered, E.request_revision, A.buyer),
        replace(PERMISSIVE, revisions_used=1, revisions_allowed=2),
        replace(PERMISSIVE, revisions_used=2, revisions_allowed=2),
        "All 2 revisions",
    ),
    (
        (S.delivered, E.request_revision, A.buyer),
        replace(PERMISSIVE, revisions_used=50, revisions_allowed=None),
        replace(PERMISSIVE, revisions_used=0, revisions_allowed=0),
        "no revisions",
    ),
    (
        (S.delivered, E.auto_complete, A.system),
        replace(PERMISSIVE, auto_complete_at=NOW),  # exactly at the time: allowed
        replace(PERMISSIVE, auto_complete_at=NOW + timedelta(seconds=1)),
        "not before",
    ),
    (
        (S.delivered, E.auto_complete, A.system),
        replace(PERMISSIVE, auto_complete_at=NOW - HOUR),
        replace(PERMISSIVE, auto_complete_at=None),
        "no automatic completion",
    ),
    (
        (S.in_progress, E.decline, A.seller),
        replace(PERMISSIVE, decline_until=NOW + timedelta(seconds=1)),
        replace(PERMISSIVE, decline_until=NOW),  # the window closes at decline_until
        "time to decline",
    ),
    (
        (S.in_progress, E.decline, A.seller),
        replace(PERMISSIVE, decline_until=NOW + HOUR),
        replace(PERMISSIVE, decline_until=None),
        "time to decline",
    ),
    (
        (S.in_progress, E.decline, A.seller),
        replace(PERMISSIVE, has_delivered=False),
        replace(PERMISSIVE, has_delivered=True),
        "after a delivery",
    ),
    (
        (S.in_progress, E.cancel_before_start, A.buyer),
        replace(PERMISSIVE, seller_started=False),
        replace(PERMISSIVE, seller_started=True),
        "already started",
    ),
    (
        (S.in_progress, E.cancel_before_start, A.buyer),
        replace(PERMISSIVE, seller_started=False),
        replace(PERMISSIVE, has_delivered=True),
        "already started",
    ),
    (
        (S.in_progress, E.cancel_late, A.buyer),
        replace(PERMISSIVE, due_at=NOW - timedelta(seconds=1)),
        replace(PERMISSIVE, due_at=NOW),  # exactly due: not late yet
        "not late",
    ),
    (
        (S.in_progress, E.cancel_late, A.buyer),
        replace(PERMISSIVE, due_at=NOW - HOUR),
        replace(PERMISSIVE, due_at=None),
        "not late",
    ),
]


@pytest.mark.parametrize(("key", "allow", "refuse", "fragment"), GUARDS)
def test_each_guard_both_ways(
    key: tuple[OrderStatus, OrderEvent, Actor],
    allow: OrderFacts,
    refuse: OrderFacts,
    fragment: str,
) -> None:
    status, event, actor = key
    assert transition(status, event, actor, allow) == EXPECTED[key]
    assert event in allowed_events(status, actor, allow)
    assert refusal(status, event, actor, allow) is None
    with pytest.raises(TransitionRefused) as info:
        transition(status, event, actor, refuse)
    assert fragment in info.value.render_untranslated()
    assert "{" not in info.value.render_untranslated()
    assert event not in allowed_events(status, actor, refuse)


def test_refusal_quotes_the_due_date() -> None:
    facts = replace(PERMISSIVE, due_at=NOW + HOUR)
    with pytest.raises(TransitionRefused) as info:
        transition(S.in_progress, E.cancel_late, A.buyer, facts)
    assert info.value.params["due_at"] == NOW + HOUR


def test_allowed_events_are_the_buttons() -> None:
    facts = OrderFacts(now=NOW, due_at=NOW + HOUR, decline_until=NOW + HOUR)
    assert allowed_events(S.awaiting_payment, A.buyer, facts) == [E.pay, E.cancel_unpaid]
    assert allowed_events(S.in_progress, A.seller, facts) == [
        E.deliver,
        E.decline,
        E.open_dispute,
    ]
    assert allowed_events(S.in_progress, A.buyer, facts) == [
        E.cancel_before_start,
        E.open_dispute,
    ]
    assert allowed_events(S.delivered, A.buyer, replace(facts, revisions_allowed=0)) == [
        E.approve,
        E.open_dispute,
    ]
    assert allowed_events(S.disputed, A.operator, facts) == [
        E.resolve_release,
        E.resolve_refund,
        E.resolve_split,
    ]
    assert allowed_events(S.disputed, A.buyer, facts) == []
