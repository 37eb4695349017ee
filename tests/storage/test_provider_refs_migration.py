"""Migration 0014 backfills `provider_ref` from what the orders already knew.

The books are made by the services at head, the column is dropped (downgrade to 0013, as a
database from before 0014 has it) and the upgrade runs again: every payment, every tip and the
refund of a Stars order get their provider object back; what no order recorded (a card
refund's id) stays empty.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.domain.order import OrderStatus
from bot.services.orders.tips import TipPaid
from bot.storage.migrate import alembic_config, upgrade
from bot.storage.tables import ledger_transactions
from tests.services.money_world import BUYER, MoneyWorld
from tests.services.order_life import Life


async def test_upgrade_backfills_payments_tips_and_stars_refunds(store_url: str) -> None:
    world = await MoneyWorld.open(store_url)
    try:
        life = Life.of(world)
        card = await life.delivered()
        await life.delivery.approve(card.id, BUYER)
        await life.tips.record(TipPaid(card.id, BUYER, "USD", 300, "tg_tip_9", "ch_tip_9"))
        stars = await life.paid("XTR", key="s1")
        await life.cancels.buyer_cancel(stars.id, BUYER, late=False)
        assert (await world.order(stars.id)).status == OrderStatus.cancelled
        cancelled_card = await life.paid("USD", key="c2")
        await life.cancels.buyer_cancel(cancelled_card.id, BUYER, late=False)

        def down(connection: Connection) -> None:
            command.downgrade(alembic_config(connection), "0013")  # the revision before 0014

        async with world.engine.begin() as connection:
            await connection.run_sync(down)
        await upgrade(world.engine)

        async with world.engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(ledger_transactions.c.key, ledger_transactions.c.provider_ref)
                )
            ).all()
        refs = dict(rows)
        assert refs[f"order:{card.id}:payment"] == f"stripe:{card.provider_charge_id}"
        assert refs[f"order:{card.id}:tip:tg_tip_9"] == "stripe:ch_tip_9"
        assert refs[f"order:{stars.id}:payment"] == f"stars:{stars.telegram_charge_id}"
        assert refs[f"order:{stars.id}:refund"] == f"stars-refund:{stars.telegram_charge_id}"
        assert refs[f"order:{card.id}:release"] is None
        # A card refund's id was never kept before 0014: nothing to backfill it from.
        assert refs[f"order:{cancelled_card.id}:refund"] is None
    finally:
        await world.engine.dispose()
