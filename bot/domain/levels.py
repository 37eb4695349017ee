"""Seller levels: earned from finished work, shown on cards and usable as a search filter.

Pure rules on a seller's track record. Levels use the Bayesian rating (`bayesian_average`, which
the search ranking uses too), so one five-star review cannot make a top seller. The criteria
(README, "The order in chat"), all of which must hold:

    level       completed orders  Bayesian rating  on-time delivery  completion rate
    Top Rated   >= 50             >= 4.7           >= 90%            >= 90%
    Level 2     >= 20             >= 4.5           >= 85%            >= 85%
    Level 1     >= 5              >= 4.0           >= 80%            >= 80%
    New         anything else

Completion rate = completed / (completed + cancelled after payment + lost disputes): a seller
who declines or lets orders lapse loses it, whoever is to blame for a single case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from bot.i18n.markers import N_


class SellerLevel(StrEnum):
    """In ascending order; a filter "at least level X" compares `rank`."""

    new = "new"
    level_one = "level_one"
    level_two = "level_two"
    top_rated = "top_rated"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)


_ORDER: tuple[SellerLevel, ...] = tuple(SellerLevel)

SELLER_LEVEL_LABELS: Mapping[SellerLevel, str] = MappingProxyType(
    {
        SellerLevel.new: N_("New seller"),
        SellerLevel.level_one: N_("Level 1 seller"),
        SellerLevel.level_two: N_("Level 2 seller"),
        SellerLevel.top_rated: N_("Top rated seller"),
    }
)


@dataclass(frozen=True, slots=True)
class LevelRule:
    level: SellerLevel
    completed_orders: int
    rating: float  # Bayesian rating at least this
    on_time_rate: float  # share of completed orders delivered by their due time
    completion_rate: float = 0.0  # share of paid orders that ended completed


#: Highest first: the first rule a seller meets is their level.
LEVEL_RULES: tuple[LevelRule, ...] = (
    LevelRule(SellerLevel.top_rated, 50, 4.7, 0.90, 0.90),
    LevelRule(SellerLevel.level_two, 20, 4.5, 0.85, 0.85),
    LevelRule(SellerLevel.level_one, 5, 4.0, 0.80, 0.80),
)

#: The Bayesian prior: as if every seller started with `RATING_PRIOR_WEIGHT` reviews of
#: `RATING_PRIOR_MEAN` stars (the same numbers as the search ranking).
RATING_PRIOR_MEAN = 4.5
RATING_PRIOR_WEIGHT = 5.0


def bayesian_average(
    rating_sum: int,
    rating_count: int,
    prior_mean: float = RATING_PRIOR_MEAN,
    prior_weight: float = RATING_PRIOR_WEIGHT,
) -> float:
    """(C * m + sum of stars) / (C + count): volume of good work beats one lucky review."""
    if rating_count < 0 or rating_sum < 0:
        raise ValueError("review counts cannot be negative")
    return (prior_weight * prior_mean + rating_sum) / (prior_weight + rating_count)


#: On-time share is shrunk towards 90% as if every seller had 3 earlier orders at that rate.
ON_TIME_PRIOR = 0.9
ON_TIME_PRIOR_WEIGHT = 3.0


def on_time_rate(on_time: int, completed: int) -> float:
    """Share of completed orders delivered by their due time, shrunk towards the prior."""
    return (on_time + ON_TIME_PRIOR * ON_TIME_PRIOR_WEIGHT) / (completed + ON_TIME_PRIOR_WEIGHT)


def completion_rate(completed: int, failed: int) -> float:
    """Share of paid orders that ended completed; 1.0 with no history (nothing failed yet)."""
    total = completed + failed
    return 1.0 if total == 0 else completed / total


def seller_level(
    completed_orders: int,
    rating: float,
    on_time_rate: float,
    completion: float = 1.0,
) -> SellerLevel:
    """The highest level whose every criterion the seller meets (see the module's table)."""
    for rule in LEVEL_RULES:
        if (
            completed_orders >= rule.completed_orders
            and rating >= rule.rating
            and on_time_rate >= rule.on_time_rate
            and completion >= rule.completion_rate
        ):
            return rule.level
    return SellerLevel.new


class TrackRecordLike(Protocol):
    """A seller's counted history (the storage's `TrackRecord` has these fields)."""

    @property
    def completed(self) -> int: ...
    @property
    def on_time(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def rating_sum(self) -> int: ...
    @property
    def rating_count(self) -> int: ...


def level_of(record: TrackRecordLike) -> SellerLevel:
    """A seller's level from their track record: the criteria above on the Bayesian rating,
    the shrunk on-time rate and the completion rate."""
    return seller_level(
        record.completed,
        bayesian_average(record.rating_sum, record.rating_count),
        on_time_rate(record.on_time, record.completed),
        completion_rate(record.completed, record.failed),
    )
