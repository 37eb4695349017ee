"""Group posts show the same card as everywhere (issue 8): the seller's rating, review count and
level come from `card_for`, the one card builder."""

from __future__ import annotations

from sqlalchemy import insert

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
