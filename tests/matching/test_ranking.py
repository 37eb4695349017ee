"""The ranking formula, pinned by cases: who comes first, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.levels import RATING_PRIOR_MEAN, SellerLevel
from bot.domain.levels import bayesian_average as bayesian_rating
from bot.matching.ports import SortOrder
from bot.matching.ranking import WEIGHTS, Candidate, SellerSignals, components, rank

NOW = datetime(2026, 3, 1, tzinfo=UTC)

NEW = SellerSignals()
MEDIOCRE = SellerSignals(
    completed_orders=20,
    on_time_orders=15,
    rating_sum=70,
    rating_count=20,
    response_hours=24,
)
TOP = SellerSignals(
    completed_orders=300,
    on_time_orders=294,
    rating_sum=980,
    rating_count=200,
    response_hours=1,
)


def gig(
    gig_id: int,
    seller: SellerSignals = NEW,
    *,
    relevance: float = 1.0,
    age_days: float = 100,
    price: int = 1000,
) -> Candidate:
    return Candidate(gig_id, relevance, NOW - timedelta(days=age_days), price, "USD", seller)


def order(*candidates: Candidate, sort: SortOrder = SortOrder.best) -> list[int]:
    return [r.gig_id for r in rank(candidates, sort, NOW)]


def test_weights_sum_to_one_so_scores_stay_in_0_1() -> None:
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    best = rank([gig(1, TOP, age_days=0)], SortOrder.best, NOW)[0]
    assert 0 < best.score <= 1


def test_bayesian_rating_shrinks_small_samples_towards_the_prior() -> None:
    assert bayesian_rating(0, 0) == RATING_PRIOR_MEAN
    assert bayesian_rating(5, 1) == pytest.approx(4.583, abs=1e-3)  # one 5-star review
    assert bayesian_rating(490, 100) == pytest.approx(4.881, abs=1e-3)  # 4.9 over 100
    assert bayesian_rating(490, 100) > bayesian_rating(5, 1)


def test_more_relevant_wins_when_all_else_is_equal() -> None:
    assert order(gig(1, relevance=2.0), gig(2, relevance=6.0), gig(3, relevance=4.0)) == [2, 3, 1]


def test_many_good_reviews_beat_one_perfect_review() -> None:
    lucky = SellerSignals(completed_orders=1, on_time_orders=1, rating_sum=5, rating_count=1)
    steady = SellerSignals(
        completed_orders=100, on_time_orders=95, rating_sum=490, rating_count=100
    )
    assert order(gig(1, lucky), gig(2, steady)) == [2, 1]


def test_a_new_seller_beats_a_mediocre_one_but_not_a_top_one_at_equal_relevance() -> None:
    new = gig(1, NEW, age_days=2)
    mediocre = gig(2, MEDIOCRE, age_days=200)
    top = gig(3, TOP, age_days=100)
    assert order(new, mediocre, top) == [3, 1, 2]


def test_a_new_seller_whose_gig_fits_better_beats_a_top_seller() -> None:
    assert order(gig(1, NEW, age_days=2), gig(2, TOP, relevance=0.8)) == [1, 2]


def test_punctuality_and_response_time_break_otherwise_equal_ties() -> None:
    base = {"completed_orders": 30, "rating_sum": 140, "rating_count": 30}
    punctual = SellerSignals(on_time_orders=30, response_hours=2, **base)
    late = SellerSignals(on_time_orders=20, response_hours=2, **base)
    slow = SellerSignals(on_time_orders=30, response_hours=48, **base)
    assert order(gig(1, late), gig(3, punctual)) == [3, 1]
    assert order(gig(2, slow), gig(3, punctual)) == [3, 2]


def test_freshness_halves_every_thirty_days() -> None:
    parts = components(gig(1, age_days=30), 1.0, NOW)
    assert parts["freshness"] == pytest.approx(0.5)
    assert order(gig(1, age_days=90), gig(2, age_days=3)) == [2, 1]


def test_the_new_seller_boost_fades_over_the_first_orders() -> None:
    boosts = [
        components(gig(1, SellerSignals(completed_orders=n, on_time_orders=n)), 1.0, NOW)[
            "new_seller_boost"
        ]
        for n in range(5)
    ]
    assert boosts == pytest.approx([1.0, 2 / 3, 1 / 3, 0.0, 0.0])


def test_other_sorts_use_their_key_then_the_blend() -> None:
    cheap = gig(1, MEDIOCRE, price=500, age_days=50)
    dear = gig(2, TOP, price=9000, age_days=10)
    mid_a = gig(3, NEW, price=3000, age_days=5)
    mid_b = gig(4, TOP, price=3000, age_days=70)
    assert order(cheap, dear, mid_a, mid_b, sort=SortOrder.price) == [1, 4, 3, 2]
    assert order(cheap, dear, mid_a, mid_b, sort=SortOrder.newest) == [3, 2, 1, 4]
    assert order(cheap, dear, mid_a, mid_b, sort=SortOrder.rating) == [2, 4, 3, 1]


def test_no_words_means_relevance_counts_the_same_for_everyone() -> None:
    parts = components(gig(1, relevance=0.0), 0.0, NOW)
    assert parts["relevance"] == 1.0


def test_seller_levels_follow_the_track_record() -> None:
    assert NEW.level is SellerLevel.new
    assert MEDIOCRE.level is SellerLevel.new  # rating 3.7 is below every level's bar
    assert TOP.level is SellerLevel.top_rated
    solid = SellerSignals(completed_orders=25, on_time_orders=24, rating_sum=115, rating_count=25)
    assert solid.level is SellerLevel.level_two
