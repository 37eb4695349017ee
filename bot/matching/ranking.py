"""The ranking formula: one pure function that orders search candidates.

The store supplies raw signals (text relevance, price, publication time and the seller's track
record); this module alone decides the order, so it can be read, tuned and tested in one place.

Best-match score, every component in 0..1 (higher is better):

    score = 0.45 * relevance            text relevance / the best relevance among the candidates
          + 0.20 * rating               Bayesian rating, (R - 1) / 4
          + 0.10 * track                log(1 + completed) / log(1 + 100), capped at 1
          + 0.07 * on_time              on-time share, shrunk towards 0.9 (3 virtual orders)
          + 0.06 * response             1 / (1 + mean response hours / 12); unknown = 0.5
          + 0.07 * freshness            0.5 ** (days since published / 30)
          + 0.05 * new_seller_boost     (1 - completed / 3) while the seller has < 3 completed

Bayesian rating: R = (C * m + sum of stars) / (C + number of reviews), with m = 4.5 (the prior
mean, about what a typical seller here earns) and C = 5 (as if every seller started with five
reviews of m). One 5-star review gives 4.58, not 5; 4.9 over 100 reviews gives 4.88: volume of
good work beats a lucky start.

Why a new seller still gets seen: with no reviews their rating is the prior (average, not zero),
their on-time share is the prior, their response time is neutral, their fresh gig scores high on
freshness and they get the new-seller boost. Together that puts a new seller above an
established but mediocre one at equal relevance and just below a top-rated one, and above a
top-rated one when their gig fits the words better.

Other sorts (price, rating, newest) order by that key first and by the best-match score second.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.levels import SellerLevel, bayesian_average, on_time_rate, seller_level
from bot.matching.ports import SortOrder

ORDERS_SATURATION = 100
RESPONSE_HALF_HOURS = 12.0
FRESHNESS_HALF_LIFE_DAYS = 30.0
NEW_SELLER_ORDERS = 3

WEIGHTS: dict[str, float] = {
    "relevance": 0.45,
    "rating": 0.20,
    "track": 0.10,
    "on_time": 0.07,
    "response": 0.06,
    "freshness": 0.07,
    "new_seller_boost": 0.05,
}


@dataclass(frozen=True, slots=True)
class SellerSignals:
    """A seller's track record as the store counts it."""

    completed_orders: int = 0
    on_time_orders: int = 0  # completed orders delivered by their due time
    rating_sum: int = 0  # stars of buyers' reviews of this seller
    rating_count: int = 0
    response_hours: float | None = None  # from payment to the seller's first action

    @property
    def rating(self) -> float:
        """The Bayesian rating of `bot.domain.levels` (the same one cards and levels use)."""
        return bayesian_average(self.rating_sum, self.rating_count)

    @property
    def on_time_rate(self) -> float:
        return on_time_rate(self.on_time_orders, self.completed_orders)

    @property
    def level(self) -> SellerLevel:
        return seller_level(self.completed_orders, self.rating, self.on_time_rate)


NO_HISTORY = SellerSignals()


@dataclass(frozen=True, slots=True)
class Candidate:
    """One live gig the store found, with its raw signals."""

    gig_id: int
    relevance: float  # >= 0, higher is better; 0 when there were no words
    published_at: datetime
    price_from_minor: int  # the cheapest package, in the gig's currency
    currency: str
    seller: SellerSignals = NO_HISTORY


@dataclass(frozen=True, slots=True)
class Ranked:
    gig_id: int
    score: float
    components: dict[str, float]


def components(candidate: Candidate, best_relevance: float, now: datetime) -> dict[str, float]:
    """Each signal scaled to 0..1, before weighting (shown in tests and for tuning)."""
    seller = candidate.seller
    age_days = max((now - candidate.published_at).total_seconds(), 0.0) / 86_400
    hours = seller.response_hours
    return {
        "relevance": candidate.relevance / best_relevance if best_relevance > 0 else 1.0,
        "rating": (seller.rating - 1.0) / 4.0,
        "track": min(math.log1p(seller.completed_orders) / math.log1p(ORDERS_SATURATION), 1.0),
        "on_time": seller.on_time_rate,
        "response": 0.5 if hours is None else 1.0 / (1.0 + max(hours, 0.0) / RESPONSE_HALF_HOURS),
        "freshness": 0.5 ** (age_days / FRESHNESS_HALF_LIFE_DAYS),
        "new_seller_boost": max(0.0, 1.0 - seller.completed_orders / NEW_SELLER_ORDERS),
    }


def score(parts: dict[str, float]) -> float:
    return sum(WEIGHTS[name] * value for name, value in parts.items())


def rank(candidates: Iterable[Candidate], sort: SortOrder, now: datetime) -> list[Ranked]:
    """The candidates in display order for `sort`; ties broken by gig id (newer first)."""
    pool: Sequence[Candidate] = list(candidates)
    best = max((c.relevance for c in pool), default=0.0)
    scored = [(c, components(c, best, now)) for c in pool]
    ranked = [(c, parts, score(parts)) for c, parts in scored]

    def key(item: tuple[Candidate, dict[str, float], float]) -> tuple[object, ...]:
        candidate, _parts, total = item
        if sort is SortOrder.price:
            return (candidate.currency, candidate.price_from_minor, -total, -candidate.gig_id)
        if sort is SortOrder.rating:
            return (-candidate.seller.rating, -total, -candidate.gig_id)
        if sort is SortOrder.newest:
            return (-candidate.published_at.timestamp(), -total, -candidate.gig_id)
        return (-total, -candidate.gig_id)

    ranked.sort(key=key)
    return [Ranked(c.gig_id, total, parts) for c, parts, total in ranked]
