"""The group settings buttons' `op` is a `GroupOp`: an op the bot never wrote is refused by the
codec (it used to fall through to the main view and reach the service as a string), and every
op has the view shown after it."""

from __future__ import annotations

import pytest

from bot.callbacks import ForgedCallback
from bot.handlers.groups.settings_ui import MAIN, SETTINGS, GroupOp, view_after


def test_every_op_round_trips_and_has_a_view() -> None:
    for op in GroupOp:
        data = SETTINGS.pack(chat=-100123, op=op, arg="x")
        assert SETTINGS.unpack(data) == {"chat": -100123, "op": op, "arg": "x"}
        assert view_after(op)


def test_old_buttons_keep_their_text() -> None:
    assert SETTINGS.pack(chat=-5, op=GroupOp.OPEN, arg=MAIN) == "gs:-5:open:main"


def test_an_unknown_op_is_forged() -> None:
    with pytest.raises(ForgedCallback):
        SETTINGS.unpack("gs:-5:drop_tables:x")
