"""The search index behind one interface, whichever store answers it.

`SearchIndex` is what the discovery service and inline mode use; `SqlSearchIndex` implements it
on SQLite (FTS5) and PostgreSQL (tsvector + GIN). Results are gig ids with scores, already
ranked by `bot.matching.ranking`, and never anything but live gigs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.domain.gig import Category
from bot.domain.levels import SellerLevel


class SortOrder(StrEnum):
    best = "best"  # the ranking blend (relevance, rating, track record, freshness)
    price = "price"  # cheapest starting price first
    rating = "rating"  # best Bayesian seller rating first
    newest = "newest"  # most recently published first


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """All optional. Budget and delivery hold when at least one package satisfies them all."""

    category: Category | None = None
    currency: str | None = None  # budgets are in this currency's minor units
    budget_min_minor: int | None = None
    budget_max_minor: int | None = None
    max_delivery_days: int | None = None
    min_rating: float | None = None  # Bayesian rating, 1..5
    seller_level: SellerLevel | None = None  # at least this level
    language: str | None = None  # a language the seller lists in their profile
    exclude_gig_id: int | None = None


NO_FILTERS = SearchFilters()


@dataclass(frozen=True, slots=True)
class SearchHit:
    gig_id: int
    score: float


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: Sequence[SearchHit]
    #: How many results there are in all (up to the candidate cap), for "page 2 of 5".
    total: int
    #: True when the words matched nothing together and any-word matching was used instead.
    relaxed: bool = False

    @property
    def gig_ids(self) -> list[int]:
        return [hit.gig_id for hit in self.hits]


class SearchIndex(Protocol):
    async def search(
        self,
        text: str,
        filters: SearchFilters = NO_FILTERS,
        sort: SortOrder = SortOrder.best,
        limit: int = 10,
        offset: int = 0,
    ) -> SearchPage:
        """Live gigs matching the words (all live gigs when there are none) and the filters."""
        ...

    async def more_like_this(self, gig_id: int, limit: int = 10, offset: int = 0) -> SearchPage:
        """Live gigs sharing the gig's title and tag words, best first, without the gig itself."""
        ...
