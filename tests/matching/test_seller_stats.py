"""The sellers' track records (`seller_stats`, migration 0010) follow every write at once.

Straight SQL like the rest of tests/matching: the rows are kept by the database's triggers, so
whatever code writes reviews, orders or order events is covered. Each check compares the kept
row with the aggregation a search used to run over reviews, orders and events.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.migrate import upgrade
from bot.storage.tables import order_events, orders, reviews, seller_stats
from tests.matching.seed import BUYER, NOW, add_gig, add_track_record, add_user


@pytest.fixture(autouse=True)
async def migrated(engine: AsyncEngine) -> None:
    await upgrade(engine)


async def kept(engine: AsyncEngine, seller: int) -> tuple[Any, ...]:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(
                    seller_stats.c.rating_sum,
                    seller_stats.c.rating_count,
                    seller_stats.c.completed_orders,
                    seller_stats.c.on_time_orders,
                    seller_stats.c.response_hours,
                ).where(seller_stats.c.seller_id == seller)
            )
        ).first()
    if row is None:
        return (0, 0, 0, 0, None)
    return (*row[:4], None if row[4] is None else round(float(row[4]), 6))


async def aggregated(engine: AsyncEngine, seller: int) -> tuple[Any, ...]:
    """What the search computed per query before migration 0010."""
    postgres = engine.dialect.name == "postgresql"
    hours = (
        "EXTRACT(EPOCH FROM (MIN(e.created_at) - o.paid_at)) / 3600.0"
        if postgres
        else "(julianday(MIN(e.created_at)) - julianday(o.paid_at)) * 24.0"
    )
    statement = text(
        "SELECT (SELECT COALESCE(SUM(rating), 0) FROM reviews WHERE role = 'buyer' "
        "AND subject_id = :s), (SELECT COUNT(*) FROM reviews WHERE role = 'buyer' "
        "AND subject_id = :s), (SELECT COUNT(*) FROM orders WHERE status = 'completed' "
        "AND seller_id = :s), (SELECT COALESCE(SUM(CASE WHEN delivered_at <= due_at THEN 1 "
        "ELSE 0 END), 0) FROM orders WHERE status = 'completed' AND seller_id = :s), "
        f"(SELECT AVG(h) FROM (SELECT {hours} AS h FROM orders o JOIN order_events e "
        "ON e.order_id = o.id AND e.actor = 'seller' WHERE o.paid_at IS NOT NULL "
        "AND o.seller_id = :s GROUP BY o.id, o.paid_at) AS x)"
    )
    async with engine.connect() as connection:
        row = (await connection.execute(statement, {"s": seller})).one()
    return (*(int(v) for v in row[:4]), None if row[4] is None else round(float(row[4]), 6))


async def test_track_records_follow_reviews_orders_and_events(engine: AsyncEngine) -> None:
    for user in (BUYER, 1, 2):
        await add_user(engine, user)
    gig = await add_gig(engine, 1, "Logo design")
    other = await add_gig(engine, 2, "Flyer design")
    await add_track_record(engine, 1, gig, [5, 4, 3], late=1, response=timedelta(hours=3))
    await add_track_record(engine, 2, other, [2], response=timedelta(hours=30))
    assert await kept(engine, 1) == await aggregated(engine, 1) == (12, 3, 3, 2, 3.0)
    assert await kept(engine, 2) == await aggregated(engine, 2)

    async with engine.begin() as connection:
        first = (await connection.execute(select(orders.c.id).order_by(orders.c.id))).scalars()
        order_ids = list(first)
        # a review changes, one is removed, one order goes back to delivered and is late now,
        # another seller event comes earlier than the first one, an order changes seller
        await connection.execute(
            update(reviews).where(reviews.c.order_id == order_ids[0]).values(rating=1)
        )
        await connection.execute(delete(reviews).where(reviews.c.order_id == order_ids[1]))
        await connection.execute(
            update(orders).where(orders.c.id == order_ids[1]).values(status="delivered")
        )
        await connection.execute(
            update(orders)
            .where(orders.c.id == order_ids[2])
            .values(delivered_at=NOW + timedelta(days=30))
        )
        await connection.execute(
            insert(order_events).values(
                order_id=order_ids[0],
                event="start",
                actor="seller",
                actor_user_id=1,
                from_status="paid",
                to_status="in_progress",
                data={},
                created_at=NOW - timedelta(days=30, hours=-1),
            )
        )
        await connection.execute(
            update(orders).where(orders.c.id == order_ids[3]).values(seller_id=1)
        )
        # inside the writer's transaction the record has already changed
        inside = (
            await connection.execute(
                select(seller_stats.c.rating_count).where(seller_stats.c.seller_id == 1)
            )
        ).scalar()
        assert inside == 2
    for seller in (1, 2):
        assert await kept(engine, seller) == await aggregated(engine, seller)
    assert await kept(engine, 2) == (2, 1, 0, 0, None)  # the review stays, the order went

    async with engine.begin() as connection:
        await connection.execute(delete(order_events).where(order_events.c.actor == "seller"))
    assert await kept(engine, 1) == await aggregated(engine, 1)
    assert (await kept(engine, 1))[4] is None
