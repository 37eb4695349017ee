"""Every notification kind has exactly one renderer and every renderer a kind; every kind a
service or handler names in the code is in the catalog (`bot.services.notices`)."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import MISSING, asdict, fields
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.handlers.context import deps_of
from bot.i18n.catalogs import Catalogs
from bot.services.notices import PAYLOAD_TYPES, NoticeKind, OrderNotice, payload_of
from bot.services.orders.steps import notify
from bot.services.ports import OrderRecord
from tests.unit.test_routes import build

ROOT = Path(__file__).resolve().parents[2]
#: What a notification kind looks like: `<area>.<what>`.
KIND = re.compile(r"^(order|brief|offer|ops|group|saved|dispute)\.[a-z_]+$")


def test_every_kind_has_a_renderer_and_every_renderer_a_kind(tmp_path: Path) -> None:
    registered = set(deps_of(build(tmp_path)).renderers.kinds())
    assert {str(kind) for kind in NoticeKind} - registered == set(), "kinds without renderer"
    assert registered - {str(kind) for kind in NoticeKind} == set(), "renderers without kind"


def test_every_kind_has_a_frozen_payload_type() -> None:
    assert set(PAYLOAD_TYPES) == set(NoticeKind), "kinds without a payload type"
    for kind, payload_type in PAYLOAD_TYPES.items():
        assert payload_type.__dataclass_params__.frozen, kind  # type: ignore[attr-defined]


def test_every_kind_named_in_the_code_is_in_the_catalog() -> None:
    named: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                named.add(node.value)
    named = {text for text in named if KIND.match(text)}
    assert named - {str(kind) for kind in NoticeKind} == set()
    assert "order.tip_received" in named  # the scan sees the services' literals


def _order() -> OrderRecord:
    """An order as `notify` reads it (only the fields every order notification copies)."""
    return cast(
        OrderRecord,
        SimpleNamespace(id=7, snapshot={"title": "Logo"}, currency="USD", total_minor=3365),
    )


ORDER_KINDS = sorted(k for k, t in PAYLOAD_TYPES.items() if issubclass(t, OrderNotice))


def test_an_old_ops_alert_row_still_renders(tmp_path: Path) -> None:
    renderers = deps_of(build(tmp_path)).renderers
    _ = Catalogs.load().for_language("en")
    text = renderers.render(
        "ops.alert", _, {"message": "Refund {key} failed", "params": {"key": "<k>"}}
    ).text
    assert text == "⚠️ Refund &lt;k&gt; failed"


@pytest.mark.parametrize("kind", ORDER_KINDS)
def test_a_typed_kind_reads_back_what_its_emitter_writes(kind: NoticeKind) -> None:
    payload_type = PAYLOAD_TYPES[kind]
    assert issubclass(payload_type, OrderNotice)
    extra: dict[str, Any] = {
        item.name: 1
        for item in fields(payload_type)
        if item.name not in {f.name for f in fields(OrderNotice)} and item.default is MISSING
    }
    row = notify(1, kind, _order(), **extra)
    stored = json.loads(json.dumps(row.payload))  # what the outbox row holds
    typed = payload_of(payload_type, stored)
    assert typed.order_id == 7 and typed.title == "Logo" and typed.currency == "USD"
    if extra:
        with pytest.raises(ValueError):
            payload_of(payload_type, {k: v for k, v in stored.items() if k not in extra})


def test_rows_queued_before_the_payload_types_still_render(tmp_path: Path) -> None:
    renderers = deps_of(build(tmp_path)).renderers
    _ = Catalogs.load().for_language("en")
    old = {"order_id": 7, "title": "Logo", "currency": "USD", "total_minor": 3365}
    received = renderers.render(
        "order.tip_received", _, {**old, "tip_minor": 300, "net_minor": 240}
    )
    assert "3.00 USD" in received.text and "2.40 USD" in received.text
    thanks = renderers.render("order.tip_thanks", _, {**old, "tip_minor": 300, "extra": "x"})
    assert "3.00 USD" in thanks.text and "#7" in thanks.text


AT = "2026-01-02T03:04:00+00:00"
TEXT_PART = {"kind": "text", "text": "hello"}
#: Rows as the services queued them before the payload types (plain JSON dicts, some with keys
#: no renderer reads), one per typed order kind; each must still render.
OLD_ROWS: dict[str, dict[str, Any]] = {
    "order.part": {"part": TEXT_PART, "label": "delivery"},
    "order.chat": {"part": TEXT_PART, "by": "seller"},
    "order.delivered": {
        "number": 1, "parts": 2, "auto_complete_at": AT, "revisions_left": None
    },
    "order.completed_buyer": {"automatic": True},
    "order.completed_seller": {"net_minor": 3000, "automatic": False, "clears_at": AT},
    "order.cancelled": {"reason": "mutual_cancel"},
    "order.cancel_requested": {"by": "buyer", "auto_at": AT},
    "order.cancel_declined": {},
    "order.extension_requested": {"days": 2, "due_at": None},
    "order.extension_answered": {"accepted": True, "days": 2, "due_at": AT},
    "order.late_buyer": {"due_at": AT},
    "order.late_seller": {"due_at": AT},
    "order.due_soon": {"due_at": AT},
    "order.auto_complete_soon": {"auto_complete_at": AT},
    "order.revision": {"reason": "bigger", "due_at": AT},
    "order.dispute_opened": {"by": "buyer", "reason": "late"},
    "dispute.case": {
        "by": "buyer", "reason": "late", "buyer_id": 1, "seller_id": 2,
        "history": [{"event": "pay", "actor": "buyer", "at": AT, "detail": None}],
    },
    "order.dispute_resolved": {
        "outcome": "split", "role": "buyer", "percent": 40, "refunded_minor": 1346,
        "net_minor": 1615,
    },
    "order.reviewed": {"rating": 4, "comment": "ok", "by": "buyer"},
    "order.review_reminder": {"role": "buyer", "closes_at": AT},
    "order.new_for_seller": {
        "answers": [["Colour?", "blue"]], "due_at": AT, "decline_until": AT
    },
    "order.requirement_file": {
        "question": "Brand book?", "file": {"type": "document", "file_id": "F1"}
    },
}  # fmt: skip


def test_every_typed_order_kind_has_an_old_row_sample() -> None:
    typed = {str(kind) for kind in ORDER_KINDS}
    payments = {str(kind) for kind, t in PAYLOAD_TYPES.items() if t.__name__ == "PaymentNotice"}
    tips = {"order.tip_received", "order.tip_thanks"}
    assert typed - payments - tips == set(OLD_ROWS)


@pytest.mark.parametrize("kind", sorted(OLD_ROWS))
def test_an_old_dict_row_of_a_typed_kind_still_renders(kind: str, tmp_path: Path) -> None:
    renderers = deps_of(build(tmp_path)).renderers
    _ = Catalogs.load().for_language("en")
    old = {"order_id": 7, "title": "Logo", "currency": "USD", "total_minor": 3365}
    message = renderers.render(kind, _, {**old, **OLD_ROWS[kind], "unknown": "x"})
    assert "#7" in message.text and "None" not in message.text


def test_a_split_decision_names_both_amounts(tmp_path: Path) -> None:
    renderers = deps_of(build(tmp_path)).renderers
    _ = Catalogs.load().for_language("en")
    old = {"order_id": 7, "title": "Logo", "currency": "USD", "total_minor": 3365}
    text = renderers.render(
        "order.dispute_resolved", _, {**old, **OLD_ROWS["order.dispute_resolved"]}
    ).text
    assert "40%" in text and "13.46 USD" in text and "16.15 USD" in text
    released = renderers.render(
        "order.dispute_resolved", _, {**old, "outcome": "release", "role": "seller"}
    ).text
    assert "goes to the seller" in released


OFFER = {
    "offer_id": 5, "request_id": 3, "currency": "USD", "price_minor": 4200, "delivery_days": 3,
    "description": "I can",
}  # fmt: skip
#: Rows of the kinds that are not about an order, as queued before their payload types, and
#: a text each rendering must still show.
OTHER_OLD_ROWS: dict[str, tuple[dict[str, Any], str]] = {
    "offer.new": ({**OFFER, "seller": "Ann", "request": "A logo"}, "42.00 USD"),
    "offer.accepted": (OFFER, "42.00 USD"),
    "offer.declined": (OFFER, "42.00 USD"),
    "offer.closed": (OFFER, "42.00 USD"),
    "brief.new": (
        {
            "request_id": 3, "category": "design", "text": "A logo", "currency": "USD",
            "budget_minor": 5000, "deadline_days": 4, "expires_at": AT,
        },
        "50.00 USD",
    ),
    "brief.expired": ({"request_id": 3, "request": "A logo"}, "A logo"),
    "saved.digest": (
        {
            "gigs": [{"id": 9, "title": "Logo in a day", "search": 2}],
            "searches": [{"id": 2, "text": "logo", "category": None}],
        },
        "1 new",
    ),
}  # fmt: skip


def test_every_typed_kind_has_an_old_row_sample() -> None:
    others = {str(kind) for kind, t in PAYLOAD_TYPES.items() if not issubclass(t, OrderNotice)}
    # the alerts and the group posts have their own tests (a post renders what the hook adds)
    assert others - {"ops.alert", "group.post", "group.post_edit"} == set(OTHER_OLD_ROWS)


@pytest.mark.parametrize("kind", sorted(OTHER_OLD_ROWS))
def test_an_old_dict_row_of_another_kind_still_renders(kind: str, tmp_path: Path) -> None:
    renderers = deps_of(build(tmp_path)).renderers
    _ = Catalogs.load().for_language("en")
    row, shown = OTHER_OLD_ROWS[kind]
    text = renderers.render(kind, _, {**row, "unknown": "x"}).text
    assert shown in text and "None" not in text


@pytest.mark.parametrize("kind", sorted(OTHER_OLD_ROWS))
def test_an_emitted_payload_reads_back_as_its_type(kind: str) -> None:
    payload_type = PAYLOAD_TYPES[NoticeKind(kind)]
    row, _ = OTHER_OLD_ROWS[kind]
    typed = payload_of(payload_type, json.loads(json.dumps(row)))
    assert json.loads(json.dumps(asdict(typed))) == row


@pytest.mark.parametrize(
    ("kind", "row"),
    [("group.post", {"post_id": 4}), ("group.post_edit", {"post_id": 4, "change": "paused"})],
)
def test_a_group_post_row_reads_back_as_its_type(kind: str, row: dict[str, Any]) -> None:
    typed = payload_of(PAYLOAD_TYPES[NoticeKind(kind)], row)
    assert asdict(typed) == row


def test_an_emitter_cannot_queue_a_field_its_kind_does_not_declare() -> None:
    with pytest.raises(ValueError, match="undeclared"):
        notify(1, "order.completed_buyer", _order(), automatic=True, stars=5)
    with pytest.raises(ValueError, match="lacks 'days'"):
        notify(1, "order.extension_requested", _order(), due_at=None)
    row = notify(1, "order.completed_buyer", _order(), automatic=True)
    assert row.payload["automatic"] is True
