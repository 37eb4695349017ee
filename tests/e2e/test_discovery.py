"""Buyers finding gigs through the simulator: browse, words, sort, paging, card, inline mode."""

from __future__ import annotations

from telegram_sim import Person
from tests.e2e.gig_steps import publish_simple_gig, seed_live_gig
from tests.harness import Harness
from tests.services.money_world import gig_draft


async def _seed_gigs(harness: Harness, seller: Person, count: int) -> None:
    for n in range(count):
        title = f"I will design a minimalist logo number {n}"
        await seed_live_gig(
            harness, seller, gig_draft().model_copy(update={"title": title, "photos": ("p",)})
        )


async def test_browse_search_open_and_more_like_this(harness: Harness) -> None:
    seller = harness.user("sam")
    logo = await publish_simple_gig(seller)
    other = await publish_simple_gig(seller, title="I will design a vintage logo for your shop")

    buyer = harness.user("bea")
    await buyer.send("/start")
    await buyer.expect("Hi")
    await buyer.tap("Find a service")
    menu = await buyer.expect("Find a service")
    await buyer.tap("Graphics & Design")
    listing = await buyer.expect("Page 1 of 1")
    assert listing.message_id == menu.message_id  # edited in place, no new message
    await buyer.tap("Price")
    resorted = await buyer.expect("Page 1 of 1")
    assert "✓ Price" in str(resorted.raw)

    await buyer.tap("Categories")
    await buyer.expect("Find a service")
    await buyer.tap("Search by words")
    await buyer.expect("Send a few words")
    await buyer.send("vintage lo")  # the last word is still being typed
    found = await buyer.expect("vintage lo")
    assert "vintage logo" in str(found.raw)
    assert "minimalist" not in str(found.raw)
    await buyer.tap("vintage logo")
    card = await buyer.expect("From")
    await buyer.tap("More like this", message=card)
    similar = await buyer.expect("More like this")
    assert "minimalist logo" in str(similar.raw)
    assert {logo, other}  # both published


async def test_find_command_survives_special_characters(harness: Harness) -> None:
    buyer = harness.user("bea")
    await buyer.send('/find "logo*) OR (NEAR ^-')
    await buyer.expect("Nothing found")


async def test_inline_mode_answers_with_cards_and_pages(harness: Harness) -> None:
    seller = harness.user("sam")
    await _seed_gigs(harness, seller, 23)  # creation by taps is tested in test_gigs_*
    buyer = harness.user("bea")
    first = await buyer.inline("logo")
    assert len(first.results) == 20 <= 50
    ids = [r["id"] for r in first.results]
    assert len(set(ids)) == len(ids)
    assert first.next_offset == "20"
    button = first.results[0]["reply_markup"]["inline_keyboard"][0][0]
    assert "?start=gig_" in button["url"]
    rest = await buyer.inline("logo", offset=first.next_offset)
    assert len(rest.results) == 3 and rest.next_offset == ""
    assert not set(ids) & {r["id"] for r in rest.results}
    odd = await buyer.inline('"*():^- DROP TABLE gigs;--')
    assert odd.results == []
