"""Every notification kind has exactly one renderer and every renderer a kind; every kind a
service or handler names in the code is in the catalog (`bot.services.notices`)."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import MISSING, fields
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


@pytest.mark.parametrize("kind", sorted(PAYLOAD_TYPES))
def test_a_typed_kind_reads_back_what_its_emitter_writes(kind: NoticeKind) -> None:
    payload_type = PAYLOAD_TYPES[kind]
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
