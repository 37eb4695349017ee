"""The committed API table is exactly what the generator makes from the reference spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.sim import api_table
from bot.sim.gen_api_table import render

REFERENCE = (
    Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "telegram-bot-api.json"
)


def test_committed_table_matches_generator_output() -> None:
    if not REFERENCE.exists():
        pytest.skip(f"reference spec not present at {REFERENCE} (only in the shared workspace)")
    expected = render(json.loads(REFERENCE.read_text(encoding="utf-8")))
    assert Path(api_table.__file__).read_text(encoding="utf-8") == expected


def test_table_has_the_methods_the_bot_uses() -> None:
    send = api_table.METHODS["sendMessage"]
    fields = {f.name: f for f in send.fields}
    assert fields["chat_id"].type == "Integer or String" and fields["chat_id"].required
    assert fields["text"].required and not fields["parse_mode"].required
    assert send.returns == "Message"
    prices = {f.name: f for f in api_table.METHODS["sendInvoice"].fields}["prices"]
    assert prices.type == "Array of LabeledPrice"
