"""Gigs, sellers, orders and reviews written straight into the tables.

Straight SQL on purpose: the index must follow whatever writes a gig, so the tests do not go
through the gig repository or any service.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.tables import gig_packages, gigs, order_events, orders, reviews, users

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BUYER = 900


def _new_id(key: Any) -> int:
    assert key is not None
    return int(key[0])


async def add_user(engine: AsyncEngine, user_id: int, languages: str | None = None) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(users).values(
                id=user_id,
                first_name=f"U{user_id}",
                languages=languages,
                created_at=NOW,
                updated_at=NOW,
            )
        )


async def add_gig(
    engine: AsyncEngine,
    seller_id: int,
    title: str,
    *,
    tags: str = "",
    description: str = "A careful piece of work delivered on time with care.",
    category: str = "graphics_design",
    status: str = "live",
    prices: tuple[int, ...] = (1000,),
    days: tuple[int, ...] = (3,),
    currency: str = "USD",
    age: timedelta = timedelta(days=1),
) -> int:
    published = NOW - age
    async with engine.begin() as connection:
        result = await connection.execute(
            insert(gigs).values(
                seller_id=seller_id,
                status=status,
                title=title,
                category=category,
                tags=tags,
                description=description,
                currency=currency,
                photos=[],
                created_at=published,
                updated_at=published,
                published_at=published if status == "live" else None,
            )
        )
        gig_id = _new_id(result.inserted_primary_key)
        tiers = ("basic", "standard", "premium")
        for tier, price, day in zip(tiers, prices, days, strict=False):
            await connection.execute(
                insert(gig_packages).values(
                    gig_id=gig_id,
                    tier=tier,
                    name=tier.title(),
                    description="What this package holds.",
                    price_minor=price,
                    delivery_days=day,
                    revisions=1,
                )
            )
    return gig_id


async def set_gig(engine: AsyncEngine, gig_id: int, **values: Any) -> None:
    async with engine.begin() as connection:
        await connection.execute(update(gigs).where(gigs.c.id == gig_id).values(**values))


async def remove_gig(engine: AsyncEngine, gig_id: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(delete(gig_packages).where(gig_packages.c.gig_id == gig_id))
        await connection.execute(delete(gigs).where(gigs.c.id == gig_id))


async def add_track_record(
    engine: AsyncEngine,
    seller_id: int,
    gig_id: int,
    stars: list[int],
    *,
    late: int = 0,
    response: timedelta = timedelta(hours=2),
) -> None:
    """One completed order (and a buyer's review) per star; the first `late` were late."""
    async with engine.begin() as connection:
        for n, rating in enumerate(stars):
            paid = NOW - timedelta(days=30, hours=n)
            due = paid + timedelta(days=3)
            result = await connection.execute(
                insert(orders).values(
                    gig_id=gig_id,
                    buyer_id=BUYER,
                    seller_id=seller_id,
                    status="completed",
                    rail="stripe",
                    currency="USD",
                    snapshot={},
                    answers={},
                    subtotal_minor=1000,
                    service_fee_minor=55,
                    small_order_fee_minor=0,
                    total_minor=1055,
                    delivery_days=3,
                    created_at=paid,
                    paid_at=paid,
                    due_at=due,
                    delivered_at=due + timedelta(hours=5) if n < late else due - timedelta(hours=5),
                    closed_at=due,
                )
            )
            order_id = _new_id(result.inserted_primary_key)
            await connection.execute(
                insert(order_events).values(
                    order_id=order_id,
                    event="deliver",
                    actor="seller",
                    actor_user_id=seller_id,
                    from_status="in_progress",
                    to_status="delivered",
                    data={},
                    created_at=paid + response,
                )
            )
            await connection.execute(
                insert(reviews).values(
                    order_id=order_id,
                    gig_id=gig_id,
                    author_id=BUYER,
                    subject_id=seller_id,
                    role="buyer",
                    rating=rating,
                    comment="",
                    created_at=due,
                )
            )
