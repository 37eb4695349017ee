"""Group posts show the same card as everywhere: the seller's rating, review count and
level come from `card_for`, the one card builder."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from bot.services.gigs.catalog import GigService
from bot.services.groups.broadcast import BroadcastService
from bot.services.ports import ReviewRecord, TelegramIdentity
from bot.storage.tables import orders
from tests.e2e.group_steps import live_gig, set_up_group
from tests.harness import Harness


async def test_a_reviewed_sellers_rating_appears_in_the_group_post(harness: Harness) -> None:
    bob, maya, tom = harness.user("bob"), harness.user("maya"), harness.user("tom")
    gig_id = await live_gig(harness, maya)  # before the group: nothing posted yet
    now = harness.clock.now()
    engine = harness.bot.app.bot_data["gigbroker.engine"] if harness.bot.app else None
    assert engine is not None
    async with harness.bot.deps.uow() as uow:
        await uow.users.upsert_identity(TelegramIdentity(tom.id, "Tom"), now)
    async with engine.begin() as connection:
        order_id = (
            await connection.execute(
                insert(orders).values(
                    gig_id=gig_id,
                    buyer_id=tom.id,
                    seller_id=maya.id,
                    status="completed",
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
        ).inserted_primary_key[0]
    async with harness.bot.deps.uow() as uow:
        await uow.reviews.add(
            ReviewRecord(order_id, gig_id, tom.id, maya.id, "buyer", 4, "Good work", now)
        )
    await tom.send(f"/start gig_{gig_id}")
    private = await tom.expect("⭐ 4.0")

    group = await set_up_group(harness, bob)
    await bob.send(f"/post {gig_id}", chat=group)
    await harness.bot.drain_outbox()
    post = await group.expect("minimalist logo")
    assert "⭐ 4.0 (1 reviews)" in post.text
    assert "New seller" not in post.text or "New seller" in private.text
    # Same card lines as in the private chat (the buttons differ).
    assert post.text.splitlines()[:3] == private.text.splitlines()[:3]


async def test_a_digest_is_re_rendered_when_one_of_its_gigs_is_paused_or_deleted(
    harness: Harness,
) -> None:
    bob, maya = harness.user("bob"), harness.user("maya")
    group = await set_up_group(harness, bob)
    await bob.tap("Posting", chat=group)
    await group.expect("Posting:")
    await bob.tap("Daily digest", chat=group)
    await group.expect("one digest a day at 18:00")
    harness.clock.set(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    logo = await live_gig(harness, maya, title="I will design a minimalist logo for your brand")
    mascot = await live_gig(harness, maya, title="I will draw a cute mascot for your stream")
    harness.clock.set(datetime(2026, 1, 5, 18, 1, tzinfo=UTC))
    assert await harness.bot.deps.service(BroadcastService).digest_sweep() == 1
    await harness.bot.drain_outbox()
    digest = await group.expect("Today's gigs")
    assert len(digest.button_texts) == 2

    gigs = harness.bot.deps.service(GigService)
    await gigs.set_paused(maya.id, logo, True)
    await harness.bot.drain_outbox()
    edited = await group.expect("Paused by the seller")
    assert edited.kind == "edit" and edited.message_id == digest.message_id
    assert "cute mascot" in edited.text  # the other gig stays, still orderable
    assert [label for label in edited.button_texts if "mascot" in label]
    assert not [label for label in edited.button_texts if "minimalist" in label]

    await gigs.delete(maya.id, mascot)
    await harness.bot.drain_outbox()
    again = await group.expect("removed by the seller")
    assert again.message_id == digest.message_id and not again.button_texts
