"""Followed searches through the simulator: Follow on the results, the 9:00 digest with a new
gig once and nothing the next day, Stop from the digest, /following, a forged Stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.handlers.requests.buttons import STOP_FOLLOWING
from tests.e2e.gig_steps import publish_simple_gig
from tests.e2e.order_steps import sweep
from tests.harness import Harness


async def test_follow_digest_once_and_stop(harness: Harness) -> None:
    sam, bea, eve = harness.user("sam"), harness.user("bea"), harness.user("eve")
    await publish_simple_gig(sam)  # before the follow: never in a digest
    await bea.send("/find logo")
    await bea.expect("logo")
    await bea.tap("Follow this search")
    await bea.expect("Following “logo”")

    harness.clock.advance(timedelta(hours=1))
    await publish_simple_gig(sam, title="I will draw a playful mascot logo for you")
    harness.clock.set(datetime(2026, 1, 6, 9, 0, tzinfo=UTC))  # the next 9:00 (UTC user)
    await sweep(harness)
    digest = await bea.expect("New gigs for the searches you follow")
    assert "playful mascot logo" in str(digest.raw)
    assert "minimalist logo" not in str(digest.raw)
    await sweep(harness)
    harness.clock.advance(timedelta(days=1))
    await sweep(harness)
    await bea.expect_nothing()  # the same morning and the next day: nothing new, no message

    await bea.send("/following")
    listing = await bea.expect("Followed searches")
    await eve.send("/start")
    anchor = await eve.expect("Hi")
    stop_data = listing.buttons[0]["callback_data"]
    assert stop_data.startswith(STOP_FOLLOWING.prefix)
    forged = await (await harness.forge_tap(eve, anchor, stop_data)).answer()
    assert forged.get("show_alert")  # not Eve's search

    await bea.tap("Stop", message=digest)
    await bea.expect("Stopped following")
    await bea.send("/following")
    await bea.expect("You follow no searches")
    harness.clock.advance(timedelta(hours=1))
    await publish_simple_gig(sam, title="I will sketch a hand drawn logo today")
    harness.clock.advance(timedelta(days=1))
    await sweep(harness)
    await bea.expect_nothing()
