"""The committed API table is exactly what the generator makes.

Everything the test needs is in the repository: the table is turned back into the spec shape
the generator reads and rendered again, which must give the committed file byte for byte (so
nobody edited the generated file by hand). With `BOT_API_SPEC=path/telegram-bot-api.json` set,
the table is also compared with that scraped spec (when a new Bot API version comes out).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from telegram_sim import api_table
from telegram_sim.gen_api_table import render


def _spec_of_table() -> dict[str, Any]:
    """The committed table in the scraped spec's shape (what `render` reads)."""
    methods: dict[str, Any] = {}
    for name, method in api_table.METHODS.items():
        entry: dict[str, Any] = {"returns": method.returns.split(" or ")}
        if method.fields:
            entry["fields"] = [
                {"name": f.name, "types": f.type.split(" or "), "required": f.required}
                for f in method.fields
            ]
        methods[name] = entry
    return {"version": f"Bot API {api_table.API_VERSION}", "methods": methods}


def test_committed_table_is_the_generator_output_of_itself() -> None:
    committed = Path(api_table.__file__).read_text(encoding="utf-8")
    assert render(_spec_of_table()) == committed


def test_committed_table_matches_the_spec_named_by_bot_api_spec() -> None:
    path = os.environ.get("BOT_API_SPEC")
    if not path:
        pytest.skip("set BOT_API_SPEC to a scraped telegram-bot-api.json to compare with it")
    expected = render(json.loads(Path(path).read_text(encoding="utf-8")))
    assert Path(api_table.__file__).read_text(encoding="utf-8") == expected


def test_table_has_the_methods_the_bot_uses() -> None:
    send = api_table.METHODS["sendMessage"]
    fields = {f.name: f for f in send.fields}
    assert fields["chat_id"].type == "Integer or String" and fields["chat_id"].required
    assert fields["text"].required and not fields["parse_mode"].required
    assert send.returns == "Message"
    prices = {f.name: f for f in api_table.METHODS["sendInvoice"].fields}["prices"]
    assert prices.type == "Array of LabeledPrice"
