"""Seller levels: earned from finished work, shown on cards and usable as a search filter.

Pure rules on a seller's track record. Levels use the Bayesian rating (see
`bot.matching.ranking.bayesian_rating`), so one five-star review cannot make a top seller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

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


#: Highest first: the first rule a seller meets is their level.
LEVEL_RULES: tuple[LevelRule, ...] = (
    LevelRule(SellerLevel.top_rated, 50, 4.7, 0.90),
    LevelRule(SellerLevel.level_two, 20, 4.5, 0.85),
    LevelRule(SellerLevel.level_one, 5, 4.0, 0.80),
)


def seller_level(completed_orders: int, rating: float, on_time_rate: float) -> SellerLevel:
    for rule in LEVEL_RULES:
        if (
            completed_orders >= rule.completed_orders
            and rating >= rule.rating
            and on_time_rate >= rule.on_time_rate
        ):
            return rule.level
    return SellerLevel.new
