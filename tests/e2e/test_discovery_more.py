"""More like this from any card (a deep-linked card, a group post's link) and result filters."""

from __future__ import annotations

import re

from tests.e2e.group_steps import live_gig, set_up_group
from tests.harness import Harness

VINTAGE = "I will design a vintage logo for your shop"


async def test_more_like_this_from_a_deep_linked_card(harness: Harness) -> None:
    seller = harness.user("sam")
    gig = await live_gig(harness, seller)
    await live_gig(harness, seller, title=VINTAGE)

    buyer = harness.user("bea")
    await buyer.send(f"/start gig_{gig}")
    card = await buyer.expect("From")
    assert "More like this" in str(card.raw)
    await buyer.tap("More like this", message=card)
    similar = await buyer.expect("More like this")
    assert "vintage logo" in str(similar.raw)
    assert "minimalist logo" not in str(similar.raw)  # not the gig itself


async def test_more_like_this_from_a_group_posts_link(harness: Harness) -> None:
    bob, maya, tom = harness.user("bob"), harness.user("maya"), harness.user("tom")
    gig = await live_gig(harness, maya)
    await live_gig(harness, maya, title=VINTAGE)
    group = await set_up_group(harness, bob)
    await bob.send(f"/post {gig}", chat=group)
    await harness.bot.drain_outbox()
    post = await group.expect("minimalist logo")
    link = re.search(r"start=(like_\d+)", str(post.raw))
    assert link is not None and link.group(1) == f"like_{gig}"

    await tom.send(f"/start {link.group(1)}")  # what tapping the URL button does
    similar = await tom.expect("More like this")
    assert "vintage logo" in str(similar.raw)
    await tom.tap("vintage logo", message=similar)
    card = await tom.expect("vintage logo")
    assert "More like this" in str(card.raw)  # every card carries it

    await tom.send("/start like_999999")  # a gig that is not there: an empty list, no error
    await tom.expect("Nothing found")


async def test_filters_on_results_combine_edit_in_place_and_clear(harness: Harness) -> None:
    seller = harness.user("sam")
    await live_gig(harness, seller, title="I will design a cheap logo", price_minor=1500)
    await live_gig(harness, seller, title="I will design a premium logo", price_minor=30000)

    buyer = harness.user("bea")
    await buyer.send("/find logo")
    listing = await buyer.expect("2 gigs")
    await buyer.tap("Filters", message=listing)
    panel = await buyer.expect("Budget")
    assert panel.message_id == listing.message_id  # the same message, edited
    await buyer.tap("under 20 USD", message=panel)
    picked = await buyer.expect("Budget: under 20 USD")
    assert "✓ under 20 USD" in str(picked.raw) and "Show 1 gigs" in str(picked.raw)
    await buyer.tap("Level 1+", message=picked)  # combined: nobody has a level yet
    both = await buyer.expect("Seller level: Level 1+")
    assert "Show 0 gigs" in str(both.raw)
    await buyer.tap("✓ Level 1+", message=both)  # picked again: off
    again = await buyer.expect("Seller level: any")
    await buyer.tap("Show 1 gigs", message=again)
    filtered = await buyer.expect("1 gigs")
    assert filtered.message_id == listing.message_id
    assert "cheap logo" in str(filtered.raw) and "premium logo" not in str(filtered.raw)
    assert "Filters (1)" in str(filtered.raw)
    await buyer.tap("Price", message=filtered)  # re-sorting keeps the filters
    resorted = await buyer.expect("1 gigs")
    assert "premium logo" not in str(resorted.raw)
    await buyer.tap("Clear filters", message=resorted)
    cleared = await buyer.expect("2 gigs")
    assert "premium logo" in str(cleared.raw) and "Clear filters" not in str(cleared.raw)
