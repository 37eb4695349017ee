"""Reviews in SQL, and the counts a gig card and a seller's level are computed from.

One review per (order, author) is a unique constraint, so a double-tapped star button stores
one review. The track record is counted here (not cached) because it changes only when an order
closes or a review arrives, and a card is cheap to compute from two grouped queries.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.ports import ReviewRecord, TrackRecord
from bot.storage.sql import insert_ignoring_conflict
from bot.storage.tables import orders, reviews

_FIELDS = tuple(ReviewRecord.__slots__)


class SqlReviewRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, review: ReviewRecord) -> bool:
        values = {name: getattr(review, name) for name in _FIELDS}
        return await insert_ignoring_conflict(self._connection, reviews, values)

    async def for_order(self, order_id: int) -> Sequence[ReviewRecord]:
        rows = (
            (
                await self._connection.execute(
                    select(reviews).where(reviews.c.order_id == order_id).order_by(reviews.c.id)
                )
            )
            .mappings()
            .all()
        )
        return [ReviewRecord(**{name: row[name] for name in _FIELDS}) for row in rows]

    async def gig_rating(self, gig_id: int) -> tuple[int, int]:
        row = (
            await self._connection.execute(
                select(func.coalesce(func.sum(reviews.c.rating), 0), func.count()).where(
                    reviews.c.gig_id == gig_id, reviews.c.role == "buyer"
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def track_record(self, seller_id: int) -> TrackRecord:
        on_time = func.sum(case((orders.c.delivered_at <= orders.c.due_at, 1), else_=0))
        done = (
            await self._connection.execute(
                select(func.count(), on_time).where(
                    orders.c.seller_id == seller_id, orders.c.status == "completed"
                )
            )
        ).one()
        failed = (
            await self._connection.execute(
                select(func.count()).where(
                    orders.c.seller_id == seller_id,
                    orders.c.status.in_(("cancelled", "split")),
                    orders.c.paid_at.is_not(None),
                )
            )
        ).scalar_one()
        stars = (
            await self._connection.execute(
                select(func.coalesce(func.sum(reviews.c.rating), 0), func.count()).where(
                    reviews.c.subject_id == seller_id, reviews.c.role == "buyer"
                )
            )
        ).one()
        return TrackRecord(
            completed=int(done[0]),
            on_time=int(done[1] or 0),
            failed=int(failed),
            rating_sum=int(stars[0]),
            rating_count=int(stars[1]),
        )
