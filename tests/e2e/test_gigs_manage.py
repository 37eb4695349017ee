"""My gigs: editing a live gig, pause/resume, delete (refused with open orders), share, and
refusals for someone else's gig even with hand-made buttons."""

from __future__ import annotations

from sqlalchemy import insert, select

from bot.handlers.gigs.panel import GE, GEC, GM
from bot.services.ports import TelegramIdentity
from bot.storage.tables import gig_packages, gigs, orders
from telegram_sim import Person
from tests.e2e.gig_steps import publish_simple_gig
from tests.harness import Harness


async def _open_my_gig(harness: Harness) -> tuple[Person, int]:
    """Maya publishes a one-package gig and opens its panel."""
    seller = harness.user("maya", first_name="Maya")
    gig_id = await publish_simple_gig(seller)
    await seller.tap("Manage this gig")
    await seller.expect("Status: 🟢 Live")
    return seller, gig_id


async def test_editing_a_live_gig_changes_only_the_gig(harness: Harness) -> None:
    maya, gig_id = await _open_my_gig(harness)
    await maya.tap("✏️ Edit")
    await maya.expect("What do you want to change")
    await maya.tap("Basic")
    await maya.expect("Price: 25.00 USD")
    await maya.tap("Price")
    await maya.expect("Orders already placed keep the price")
    await maya.send("2")
    await maya.expect("The price must be from 5.00 USD")
    await maya.send("40")
    await maya.expect("✅ Saved.")
    await maya.tap("✏️ Edit")
    await maya.tap("Title")
    await maya.expect("Send the new title")
    await maya.send("I will draw a friendly mascot for your team")
    await maya.expect("✅ Saved.")
    await maya.tap("✏️ Edit")
    await maya.tap("Category")
    await maya.expect("Choose the new category")
    await maya.tap("AI Services")
    await maya.expect("✅ Saved.")
    engine = harness.bot.app.bot_data["gigbroker.engine"] if harness.bot.app else None
    assert engine is not None
    async with engine.connect() as connection:
        gig = (await connection.execute(select(gigs))).mappings().one()
        price = await connection.scalar(select(gig_packages.c.price_minor))
    assert gig["title"] == "I will draw a friendly mascot for your team"
    assert gig["category"] == "ai_services" and gig["status"] == "live" and price == 4000
    assert gig["id"] == gig_id and gig["version"] == 4


async def test_pausing_hides_the_gig_from_buyers_and_resuming_shows_it(harness: Harness) -> None:
    maya, gig_id = await _open_my_gig(harness)
    tom = harness.user("tom", first_name="Tom")
    await tom.send(f"/start gig_{gig_id}")
    card = await tom.expect("From")
    assert any("Order" in label for label in card.button_texts)
    await maya.tap("⏸ Pause")
    await maya.expect("Paused. The gig is hidden from buyers")
    await tom.send(f"/start gig_{gig_id}")
    await tom.expect("This gig is paused by its seller")
    await maya.send(f"/start gig_{gig_id}")  # the seller still sees their own gig
    await maya.expect("This is your gig.")
    await maya.tap("▶️ Resume")
    await maya.expect("Live again")
    await tom.send(f"/start gig_{gig_id}")
    await tom.expect("From")
    await tom.send("/start gig_999999")
    await tom.expect("does not exist or was deleted")


async def test_deleting_with_an_open_order_is_refused_with_the_reason(harness: Harness) -> None:
    maya, gig_id = await _open_my_gig(harness)
    tom = harness.user("tom")
    await tom.send("/start")
    await tom.expect("Hi")
    engine = harness.bot.app.bot_data["gigbroker.engine"] if harness.bot.app else None
    assert engine is not None
    now = harness.clock.now()
    async with harness.bot.deps.uow() as uow:
        await uow.users.upsert_identity(TelegramIdentity(tom.id, "Tom"), now)
    async with engine.begin() as connection:
        await connection.execute(
            insert(orders).values(
                gig_id=gig_id,
                buyer_id=tom.id,
                seller_id=maya.id,
                status="in_progress",
                rail="stripe",
                currency="USD",
                snapshot={},
                answers={},
                subtotal_minor=2500,
                service_fee_minor=0,
                small_order_fee_minor=0,
                total_minor=2500,
                delivery_days=3,
                created_at=now,
            )
        )
    await maya.tap("🗑 Delete")
    await maya.expect("This cannot be undone")
    tap = await maya.tap("🗑 Yes, delete")
    answer = await tap.answer()
    assert answer.get("show_alert") and "1 open order(s)" in answer["text"]
    async with engine.begin() as connection:
        await connection.execute(orders.update().values(status="completed"))
    tap = await maya.tap("🗑 Yes, delete")
    await maya.expect("was deleted")
    await maya.tap("⬅️ My gigs")
    listing = await maya.expect("My gigs")
    assert "no gigs yet" in listing.text


async def test_someone_elses_gig_cannot_be_changed_even_with_forged_buttons(
    harness: Harness,
) -> None:
    _maya, gig_id = await _open_my_gig(harness)
    eve = harness.user("eve")
    await eve.send("/start")
    menu = await eve.expect("Hi")
    forged = [
        GM.pack(op="pause", gig=gig_id),
        GM.pack(op="delyes", gig=gig_id),
        GM.pack(op="delete", gig=gig_id),
        GM.pack(op="open", gig=gig_id),
        GE.pack(gig=gig_id, field="title", tier=""),
        GE.pack(gig=gig_id, field="pkg_price", tier="basic"),
        GE.pack(gig=gig_id, field="photos_done", tier=""),
        GEC.pack(gig=gig_id, cat="data"),
    ]
    for data in forged:
        answer = await (await harness.forge_tap(eve, menu, data)).answer()
        assert answer.get("show_alert") is True, data
        assert "not your gig" in answer["text"] or "send the new photos" in answer["text"], data
    async with harness.bot.deps.uow(read_only=True) as uow:
        record = await uow.gigs.get(gig_id)
    assert record is not None and record.status.value == "live"
    assert record.spec.category.value == "graphics_design" and record.version == 1


async def test_share_gives_a_deep_link_and_a_forwardable_card(harness: Harness) -> None:
    maya, gig_id = await _open_my_gig(harness)
    await maya.tap("🔗 Share")
    link = await maya.expect("Share this link")
    assert f"https://t.me/{harness.sim.bot_username}?start=gig_{gig_id}" in link.text
    card = await maya.expect("From")
    assert [b.get("url") for b in card.buttons] == [
        f"https://t.me/{harness.sim.bot_username}?start=gig_{gig_id}"
    ]
