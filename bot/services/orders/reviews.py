"""Reviews after completion, both ways, and the numbers a gig card shows.

The buyer rates the seller (1-5 stars, optional comment) and the seller rates the buyer, each
once per order (a unique key, so a double tap stores one review), within REVIEW_WINDOW of the
order's completion. A sweep reminds whoever has not reviewed a day before the window closes.
Card figures (plain average and count) and the seller's level (Bayesian rating, completion
and on-time rates; `bot.domain.levels`) are counted from the reviews and orders tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.domain.levels import SellerLevel, level_of
from bot.domain.limits import validate_review_comment
from bot.domain.order import Actor, OrderStatus
from bot.errors import Conflict, TransitionRefused, ValidationFailed
from bot.i18n.markers import N_
from bot.services.orders.access import load_for, note, other_party
from bot.services.orders.steps import notify
from bot.services.ports import ReviewRecord, UnitOfWorkFactory

SWEEP_BATCH = 100
REVIEW_REMINDER = timedelta(hours=24)
REVIEWABLE = (OrderStatus.completed,)


@dataclass(frozen=True, slots=True)
class GigRating:
    """What a gig card shows: the buyers' average stars and how many reviews."""

    average: float
    count: int


@dataclass(frozen=True)
class ReviewConfig:
    """What reviews need of the settings (filled by `bot.bootstrap.config_of`)."""

    #: how long after closing an order either side may review
    review_window: timedelta


class ReviewService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, config: ReviewConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config

    async def leave(self, order_id: int, author_id: int, rating: int, comment: str = "") -> bool:
        """Store the author's review of the other side; False when they already did."""
        if type(rating) is not int or not 1 <= rating <= 5:
            raise ValidationFailed(N_("Please rate from 1 to 5 stars."), field="rating")
        text = validate_review_comment(comment)
        now = self._clock.now()
        async with self._uow() as uow:
            order, actor = await load_for(uow, order_id, author_id)
            if order.status not in REVIEWABLE or order.closed_at is None:
                raise TransitionRefused(N_("Only a completed order can be reviewed."))
            if now > order.closed_at + self._config.review_window:
                raise TransitionRefused(N_("The time to review this order has passed."))
            subject = other_party(order, author_id)
            stored = await uow.reviews.add(
                ReviewRecord(
                    order.id, order.gig_id, author_id, subject, actor.value, rating, text, now
                )
            )
            if not stored:
                raise Conflict(N_("You have already reviewed this order."))
            await note(
                uow, order, "review", actor, now, actor_user_id=author_id,
                data={"rating": rating, "text": text},
            )  # fmt: skip
            await uow.outbox.add(
                notify(
                    subject, "order.reviewed", order, rating=rating, comment=text, by=actor.value
                ),
                now,
            )
        return stored

    async def gig_rating(self, gig_id: int) -> GigRating:
        async with self._uow(read_only=True) as uow:
            total, count = await uow.reviews.gig_rating(gig_id)
        return GigRating(total / count if count else 0.0, count)

    async def seller_level(self, seller_id: int) -> SellerLevel:
        async with self._uow(read_only=True) as uow:
            return level_of(await uow.reviews.track_record(seller_id))

    async def remind_due(self) -> int:
        """Sweep: one reminder, a day before the review window closes, to whoever has not
        reviewed yet. Orders whose window closed are simply no longer reviewable."""
        now = self._clock.now()
        window = self._config.review_window
        sent = 0
        async with self._uow() as uow:
            due = await uow.orders.due(
                REVIEWABLE, "closed_at", now - window + REVIEW_REMINDER, SWEEP_BATCH,
                after=now - window,
            )  # fmt: skip
            for order_id in due:
                order = await uow.orders.get(order_id)
                if order is None or order.closed_at is None:
                    continue
                authors = {r.author_id for r in await uow.reviews.for_order(order_id)}
                for chat_id, role in (
                    (order.buyer_id, Actor.buyer),
                    (order.seller_id, Actor.seller),
                ):
                    if chat_id in authors:
                        continue
                    sent += await uow.outbox.add(
                        notify(
                            chat_id, "order.review_reminder", order, role=role.value,
                            closes_at=(order.closed_at + window).isoformat(),
                        ),
                        now,
                    )  # fmt: skip
        return sent
