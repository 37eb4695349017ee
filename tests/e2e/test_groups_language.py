"""A group's posts and settings panel in the group's language, not the tapper's:
the first of the chat's languages that has a catalog, English otherwise. A tiny German catalog
made here stands in for a shipped one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.i18n.catalogs import Catalogs, Translator
from tests.e2e.group_steps import live_gig, set_up_group
from tests.harness import Harness, start_harness

GERMAN = {
    "Seller languages: {value}": "Verkäufersprachen: {value}",
    "🛒 Order from {price}": "🛒 Bestellen ab {price}",
    "🔎 More like this": "🔎 Mehr davon",
}


@pytest.fixture
async def bilingual(tmp_path: Path) -> AsyncIterator[Harness]:
    catalogs = Catalogs({"en": Translator("en"), "de": Translator("de", GERMAN)})
    sim, bot, clock = await start_harness(tmp_path, bot_overrides={"catalogs": catalogs})
    try:
        yield Harness(sim, bot, clock)
    finally:
        await bot.stop()
        await sim.stop()


async def test_posts_and_panel_use_the_chats_first_language(bilingual: Harness) -> None:
    harness = bilingual
    bob, maya = harness.user("bob"), harness.user("maya")  # both use Telegram in English
    group = await set_up_group(harness, bob)
    gig_id = await live_gig(harness, maya)
    await harness.bot.drain_outbox()
    english = await group.expect("minimalist logo")  # no language chosen: English
    assert any("Order from" in label for label in english.button_texts)

    await bob.send("/gigsettings", chat=group)
    await group.expect("Seller languages: any")
    await bob.tap("Languages", chat=group)
    await group.expect("Only gigs by sellers")
    await bob.tap("de", chat=group)
    panel = await group.expect("Verkäufersprachen: de")  # the chat's language, not Bob's
    await bob.tap("fr", chat=group)  # no French catalog: the first with one, German, wins
    await group.expect("Verkäufersprachen: de, fr")

    harness.clock.advance(timedelta(days=1))  # the same gig is posted once a day per chat
    await bob.send(f"/post {gig_id}", chat=group)
    await harness.bot.drain_outbox()
    post = await group.expect("minimalist logo")
    assert post.message_id != english.message_id and panel.message_id
    assert "🛒 Bestellen ab 25.00 USD" in post.button_texts
    assert "🔎 Mehr davon" in post.button_texts
