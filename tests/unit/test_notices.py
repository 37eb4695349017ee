"""Every notification kind has exactly one renderer and every renderer a kind; every kind a
service or handler names in the code is in the catalog (`bot.services.notices`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.handlers.context import deps_of
from bot.services.notices import NoticeKind
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
