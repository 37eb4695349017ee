"""Seller levels and the Bayesian average: the README's criteria, at and just below each bound."""

from __future__ import annotations

import pytest

from bot.domain.levels import (
    SellerLevel,
    bayesian_average,
    completion_rate,
    level_of,
    seller_level,
)
from bot.services.ports import TrackRecord


def test_bayesian_average_shrinks_towards_the_prior() -> None:
    assert bayesian_average(0, 0) == 4.5
    assert bayesian_average(5, 1) == pytest.approx(27.5 / 6)
    assert bayesian_average(490, 100) == pytest.approx(512.5 / 105)
    with pytest.raises(ValueError):
        bayesian_average(-1, 0)


def test_completion_rate() -> None:
    assert completion_rate(0, 0) == 1.0
    assert completion_rate(9, 1) == 0.9


@pytest.mark.parametrize(
    ("completed", "rating", "on_time", "completion", "level"),
    [
        (50, 4.7, 0.90, 0.90, SellerLevel.top_rated),
        (50, 4.7, 0.90, 0.89, SellerLevel.level_two),
        (49, 4.7, 0.90, 0.90, SellerLevel.level_two),
        (20, 4.5, 0.85, 0.85, SellerLevel.level_two),
        (20, 4.49, 0.85, 0.85, SellerLevel.level_one),
        (5, 4.0, 0.80, 0.80, SellerLevel.level_one),
        (5, 4.0, 0.80, 0.79, SellerLevel.new),
        (4, 5.0, 1.0, 1.0, SellerLevel.new),
    ],
)
def test_levels_need_every_criterion(
    completed: int, rating: float, on_time: float, completion: float, level: SellerLevel
) -> None:
    assert seller_level(completed, rating, on_time, completion) is level


def test_level_of_a_track_record() -> None:
    assert level_of(TrackRecord()) is SellerLevel.new
    assert level_of(TrackRecord(completed=6, on_time=6, rating_sum=30, rating_count=6)) is (
        SellerLevel.level_one
    )
