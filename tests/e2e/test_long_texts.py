"""Texts over Telegram's 4096 characters arrive whole, split into valid messages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.test_orders import books_balance, publish_gig
from tests.harness import Harness, start_harness

LONG_ANSWER = ("Our brand <Acme & Sons> needs a bold mark. " * 60)[:2000]


@pytest.fixture
async def harness_with_card_rail(tmp_path: Path) -> AsyncIterator[Harness]:
    sim, bot, clock = await start_harness(tmp_path, telegram_provider_token="284685063:TEST:sim")
    try:
        yield Harness(sim, bot, clock)
    finally:
        await bot.stop()
        await sim.stop()


async def test_a_new_order_with_long_answers_reaches_the_seller_whole(
    harness_with_card_rail: Harness,
) -> None:
    harness = harness_with_card_rail
    sam, tom = harness.user("sam", first_name="Sam"), harness.user("tom", first_name="Tom")
    gig_id = await publish_gig(harness, sam)
    await tom.send(f"/start gig_{gig_id}")
    await tom.expect("modern minimalist logo")
    await tom.tap("Order from")
    await tom.expect("Choose a package")
    await tom.tap("Basic")
    await tom.expect("Add extras")
    await tom.tap("Continue")
    await tom.expect("Brand name?")
    await tom.send(LONG_ANSWER)
    await tom.expect("Style?")
    await tom.tap("Flat")
    await tom.expect("Anything else?")
    await tom.send(LONG_ANSWER[::-1])
    await tom.expect("Total:")
    await tom.tap("Confirm and pay")
    await tom.expect("I will design")
    assert (await tom.pay()).ok
    await tom.expect("Payment received")

    first = await sam.expect("New order")
    rest = await sam.expect()  # the continuation: whatever the bot sends Sam next
    parts = [first, rest]
    assert all(len(p.text) <= 4096 for p in parts)
    received = "".join(p.text for p in parts)
    assert "Our brand <Acme & Sons> needs a bold mark." in received  # escaped, then shown
    assert LONG_ANSWER[::-1][-200:] in received
    assert "Decline" in parts[-1].button_texts and not parts[0].buttons
    await books_balance(harness)  # asserts the books still balance
