"""Payout settings: Connect onboarding against the Stripe stand-in, and the no-Stripe case."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.payments.stripe_gateway import StripeGateway
from telegram_sim import Person
from telegram_sim.stripe_connect import StripeConnectStandIn
from tests.fixtures.stripe import STRIPE_TEST_SECRET_KEY
from tests.harness import Harness, start_harness


@pytest.fixture
async def stripe_harness(
    tmp_path: Path, stripe_api: StripeConnectStandIn
) -> AsyncIterator[Harness]:
    gateway = StripeGateway(STRIPE_TEST_SECRET_KEY, api_base=stripe_api.url)
    sim, bot, clock = await start_harness(tmp_path, gateway=gateway)
    try:
        yield Harness(sim, bot, clock)
    finally:
        await bot.stop()
        await sim.stop()


async def _open_payouts(harness: Harness, username: str) -> Person:
    person = harness.user(username)
    await person.send("/start")
    await person.expect("Hi")
    await person.tap("Sell a service")
    await person.expect("Create a gig")
    await person.tap("Payout settings")
    return person


async def test_connect_onboarding_creates_one_account_and_tracks_payouts(
    stripe_harness: Harness, stripe_api: StripeConnectStandIn
) -> None:
    harness = stripe_harness
    person = await _open_payouts(harness, "maya")
    screen = await person.expect("Card payouts go through Stripe")
    assert "Stars earnings are settled" in screen.text
    await person.tap("Set up payouts with Stripe")
    link = await person.expect("Open Stripe to set up your payouts")
    url = link.buttons[0]["url"]
    assert url.startswith(stripe_api.url)
    # pressing again (a double tap, or coming back later) reuses the same account
    await person.tap("Set up payouts with Stripe")
    await person.expect("Open Stripe to set up your payouts")
    assert len(stripe_api.accounts) == 1
    account_id = next(iter(stripe_api.accounts))
    assert stripe_api.accounts[account_id]["type"] == "express"
    async with harness.bot.deps.uow(read_only=True) as uow:
        profile = await uow.users.get(person.id)
    assert profile is not None and profile.stripe_account_id == account_id
    assert not profile.payouts_enabled
    await person.tap("💳 Payout settings")
    pending = await person.expect("Payouts are not enabled yet")
    assert "🔄 Check status" in pending.button_texts
    await stripe_api.complete_onboarding(account_id)
    await person.tap("🔄 Check status")
    await person.expect("✅ Payouts are enabled")
    async with harness.bot.deps.uow(read_only=True) as uow:
        profile = await uow.users.get(person.id)
    assert profile is not None and profile.payouts_enabled
    # Stripe's return URL is a deep link back into the bot
    await person.send("/start payouts")
    await person.expect("✅ Payouts are enabled")


async def test_without_stripe_the_bot_says_card_payouts_are_not_configured(
    harness: Harness,
) -> None:
    person = await _open_payouts(harness, "noah")
    screen = await person.expect("Card payouts are not configured by the operator")
    assert not any("Stripe" in label for label in screen.button_texts)
