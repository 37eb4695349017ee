"""The registration order of the feature modules does not matter, end to end.

The same flow as `test_order_outcomes`' tip (a gig published, ordered, paid, delivered,
approved, then tipped with a refused typed amount and a button) runs on a bot whose feature
modules register in reverse: the residual routes (unknown buttons, the conversation router)
first, tips after the order's payments. Disjointness itself is proven by
`tests/unit/test_routes.py`; this is the smoke that the real Application agrees.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import bot.app
from bot.payments.fake_gateway import FakePaymentGateway
from tests.e2e import test_order_outcomes as outcomes
from tests.harness import Harness, start_harness


@pytest.fixture
async def reversed_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    monkeypatch.setattr(bot.app, "HANDLER_MODULES", tuple(reversed(bot.app.HANDLER_MODULES)))
    gateway = FakePaymentGateway()
    sim, local, clock = await start_harness(
        tmp_path,
        telegram_provider_token="284685063:TEST:sim",
        payment_rails=["stripe", "stars"],
        gateway=gateway,
        operators=["ops"],
    )
    try:
        yield Harness(sim, local, clock, gateway)
    finally:
        await local.stop()
        await sim.stop()


async def test_order_pay_approve_and_tip_with_features_registered_in_reverse(
    reversed_shop: Harness,
) -> None:
    await outcomes.test_tip_after_approval_goes_to_the_seller_less_commission(reversed_shop)


async def test_a_button_with_an_op_the_bot_never_wrote_changes_nothing(harness: Harness) -> None:
    """Before the ops were enums, an unknown op fell through to a default branch."""
    eve = harness.user("eve")
    await eve.send("/start")
    menu = await eve.expect("Hi")
    for data in ("gm:zap:1", "po:zap", "pf:zap", "gx:1:x:zap:0:1", "zz:1"):
        answer = await (await harness.forge_tap(eve, menu, data)).answer()
        assert answer.get("show_alert") is True, data
        assert "no longer valid" in answer["text"], data
