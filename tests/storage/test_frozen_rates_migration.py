"""Migration 0012 on both stores: orders placed before it get the rates in force when it runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.gig import GigStatus, validate_for_publish
from bot.services.ports import TelegramIdentity
from bot.storage.migrate import upgrade
from bot.storage.tables import orders
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.services.money_world import BUYER, SELLER, gig_draft

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RATES_AT_MIGRATION = {
    "buyer_fee_bps": 600,
    "seller_commission_bps": 1500,
    "referral_bps": 700,
    "small_order_threshold_minor": 3000,
    "currency": "USD",
}


def _old_order(gig_id: int, currency: str, source_chat_id: int | None, key: str) -> dict[str, Any]:
    """An order row as the schema before 0012 holds it (no rate columns)."""
    return {
        "gig_id": gig_id,
        "buyer_id": BUYER,
        "seller_id": SELLER,
        "status": "in_progress",
        "rail": "stars" if currency == "XTR" else "stripe",
        "currency": currency,
        "snapshot": {},
        "answers": {},
        "subtotal_minor": 2000,
        "service_fee_minor": 110,
        "small_order_fee_minor": 200 if currency == "USD" else 0,
        "total_minor": 2310 if currency == "USD" else 2110,
        "delivery_days": 3,
        "source_chat_id": source_chat_id,
        "confirm_key": key,
        "created_at": NOW,
    }


async def test_existing_orders_get_the_rates_in_force_at_migration(engine: AsyncEngine) -> None:
    await upgrade(engine, "0010")
    factory = SqlUnitOfWorkFactory(engine)
    async with factory() as uow:
        for user_id in (SELLER, BUYER):
            await uow.users.upsert_identity(TelegramIdentity(user_id, "U"), NOW)
        gig_id = await uow.gigs.add(SELLER, validate_for_publish(gig_draft()), GigStatus.live, NOW)
    async with engine.begin() as connection:
        for values in (
            _old_order(gig_id, "USD", -100123, "a"),
            _old_order(gig_id, "XTR", None, "b"),
        ):
            await connection.execute(insert(orders).values(**values))
    await upgrade(engine, order_rates=RATES_AT_MIGRATION)
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(
                    orders.c.currency,
                    orders.c.buyer_fee_bps,
                    orders.c.seller_commission_bps,
                    orders.c.referral_bps,
                    orders.c.small_order_threshold_minor,
                ).order_by(orders.c.id)
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("USD", 600, 1500, 700, 3000),  # came from a chat: its referral rate is frozen too
        ("XTR", 600, 1500, 0, None),  # no source chat; the USD threshold does not apply
    ]
    async with factory(read_only=True) as uow:
        first = await uow.orders.get(1)
    assert first is not None and first.rates.seller_commission_bps == 1500


async def test_a_new_database_needs_no_settings_to_migrate(engine: AsyncEngine) -> None:
    # No orders to backfill: the migration must not read (possibly absent) settings.
    await upgrade(engine)
