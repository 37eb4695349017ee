"""The one codec for buttons and invoice payloads: typed round trips, refusals of forged data,
the 64-byte limit, and the invoice formats already out in chats."""

from __future__ import annotations

from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.callbacks import (
    MAX_CALLBACK_BYTES,
    CallbackRegistry,
    CallbackTooLong,
    ForgedCallback,
    action,
)
from bot.errors import NotFound
from bot.services.money.invoices import (
    InvoiceKind,
    invoice_kind,
    order_payload,
    parse_order_payload,
    parse_tip_payload,
    tip_payload,
)


class Op(StrEnum):
    OPEN = "open"
    CLOSE = "close"


ALL = action("t", n=int, s=str, b=bool, op=Op)
TEXT = st.text(alphabet="abcXYZ019_-", max_size=8)


@given(
    n=st.integers(min_value=-(10**12), max_value=10**12),
    s=TEXT,
    b=st.booleans(),
    op=st.sampled_from(Op),
)
def test_every_field_type_round_trips(n: int, s: str, b: bool, op: Op) -> None:
    data = ALL.pack(n=n, s=s, b=b, op=op)
    values = ALL.unpack(data)
    assert values == {"n": n, "s": s, "b": b, "op": op}
    assert isinstance(values["op"], Op) and isinstance(values["b"], bool)
    assert ALL.matches(data)


@pytest.mark.parametrize(
    "data",
    [
        "t:1:x:1:reopen",  # an enum value the bot never wrote: no default branch
        "t:1:x:2:open",  # not a bool
        "t:one:x:1:open",  # not an int
        "t:1:x:1",  # a field missing
        "t:1:x:1:open:more",  # a field too many
        "u:1:x:1:open",  # another action's data
        "t:1:x y:1:open",  # characters we never pack
    ],
)
def test_forged_or_stale_data_is_refused(data: str) -> None:
    with pytest.raises(ForgedCallback):
        ALL.unpack(data)


@given(st.text(max_size=70))
def test_arbitrary_data_is_decoded_or_refused_never_crashes(data: str) -> None:
    registry = CallbackRegistry()
    registry.register(ALL)
    try:
        found, values = registry.decode(data)
    except ForgedCallback:
        return
    assert found is ALL and set(values) == {"n", "s", "b", "op"}


def test_registry_refuses_unknown_actions_and_duplicate_prefixes() -> None:
    registry = CallbackRegistry()
    registry.register(ALL)
    with pytest.raises(ForgedCallback):
        registry.decode("nope:1")
    with pytest.raises(ValueError):
        registry.register(action("t", other=int))


def test_packing_checks_types_and_the_64_byte_limit() -> None:
    with pytest.raises(TypeError):
        ALL.pack(n=1, s="x", b=1, op=Op.OPEN)
    with pytest.raises(TypeError):
        ALL.pack(n=1, s="x", b=True, op="reopen")
    assert ALL.pack(n=1, s="x", b=True, op="open") == ALL.pack(n=1, s="x", b=True, op=Op.OPEN)
    with pytest.raises(TypeError):
        ALL.pack(n=1, s="a:b", b=True, op=Op.OPEN)
    with pytest.raises(CallbackTooLong):
        ALL.pack(n=1, s="x" * MAX_CALLBACK_BYTES, b=True, op=Op.OPEN)


def test_enum_values_must_be_packable() -> None:
    class Bad(StrEnum):
        COLON = "a:b"

    with pytest.raises(ValueError):
        action("bad", v=Bad)


def test_patterns_of_different_prefixes_are_disjoint() -> None:
    short, longer = action("go", n=int), action("gox", n=int)
    assert short.matches(short.pack(n=1)) and not short.matches(longer.pack(n=1))
    assert not longer.matches(short.pack(n=1))


@given(order=st.integers(min_value=0, max_value=10**15), amount=st.integers(0, 10**12))
def test_invoice_payloads_round_trip_and_keep_their_kind(order: int, amount: int) -> None:
    assert parse_order_payload(order_payload(order)) == order
    assert parse_tip_payload(tip_payload(order, amount)) == (order, amount)
    assert invoice_kind(order_payload(order)) is InvoiceKind.ORDER
    assert invoice_kind(tip_payload(order, amount)) is InvoiceKind.TIP


def test_invoices_already_sent_in_the_old_format_still_parse() -> None:
    assert parse_order_payload("order:42") == 42
    assert parse_tip_payload("tip:42:300") == (42, 300)
    assert order_payload(42) == "order:42" and tip_payload(42, 300) == "tip:42:300"


@pytest.mark.parametrize("payload", ["", "order:", "order:x", "order:-1", "tip:1", "gift:1"])
def test_payloads_not_ours_are_refused(payload: str) -> None:
    with pytest.raises(NotFound):
        if payload.startswith("tip"):
            parse_tip_payload(payload)
        else:
            parse_order_payload(payload)
    assert invoice_kind("gift:1") is None
