"""`SearchIndex` on the bot's own database: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

The index itself is kept by the database (migration 0004), in the same transaction as every
gig write, so this class only reads. One search is one read-only transaction:

1. the window: the newest `window` (500) live gigs matching the words and the SQL-side
   filters (category, currency, budget and delivery on a package, seller language), all read
   from the gig row itself (migration 0009 keeps a package summary and the seller's languages
   there), so a match costs one row, not extra seeks. Bounding
   it keeps a word that matches 100,000 gigs as cheap as a rare one; the price of that is that
   a very common word is ranked among its newest 500 matches, not all of them;
2. candidates: the window ordered by the sort's own key (price, newest) or by text relevance,
   at most `candidate_cap` (200) of them;
3. when all words together match nothing, the same with any word (the page says `relaxed`);
4. in the same statement, the candidates' sellers' track records (reviews, completed and
   on-time orders, response time), one `seller_stats` row each, kept by triggers (0010);
5. filters on that record (minimum rating, seller level), then `ranking.rank` orders the rest.

Relevance is FTS5's bm25 with column weights title 10, tags 4, description 1 on SQLite, and
`ts_rank` with weights A (title) 1.0, B (tags) 0.4, C (description) 0.2 on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock
from bot.matching.ports import NO_FILTERS, SearchFilters, SearchHit, SearchPage, SortOrder
from bot.matching.query import ParsedQuery, parse_query, significant_words
from bot.matching.ranking import Candidate, SellerSignals, rank
from bot.storage.db import READ_ONLY_OPTION
from bot.storage.tables import UtcDateTime

DEFAULT_CANDIDATE_CAP = 200
BM25_WEIGHTS = (10.0, 4.0, 1.0)  # title, tags, description
MAX_LIMIT = 50

#: How many of the newest matching gigs a search looks at, at most (see the module doc).
DEFAULT_WINDOW = 500
#: With filters, how many of the newest text matches (SQLite) are checked against them, at most.
DEFAULT_SCAN = 20_000


#: What a window query (`SqlSearchIndex._found`) selects, with its relevance expression.
WINDOW_COLUMNS = (
    "g.id AS id, g.seller_id AS seller_id, {relevance} AS relevance, "
    "COALESCE(g.published_at, g.created_at) AS published_at, g.currency AS currency, "
    "g.price_from_minor AS price_from"
)


class SqlSearchIndex:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        *,
        candidate_cap: int = DEFAULT_CANDIDATE_CAP,
        window: int = DEFAULT_WINDOW,
        scan: int = DEFAULT_SCAN,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._cap = candidate_cap
        self._window = max(window, candidate_cap)
        self._scan = max(scan, self._window)

    async def search(
        self,
        text: str,
        filters: SearchFilters = NO_FILTERS,
        sort: SortOrder = SortOrder.best,
        limit: int = 10,
        offset: int = 0,
    ) -> SearchPage:
        return await self._run(parse_query(text), filters, sort, limit, offset)

    async def more_like_this(self, gig_id: int, limit: int = 10, offset: int = 0) -> SearchPage:
        async with self._read() as connection:
            row = (
                await connection.execute(
                    text("SELECT title, tags FROM gigs WHERE id = :id"), {"id": gig_id}
                )
            ).first()
        if row is None:
            return SearchPage((), 0)
        words = significant_words(str(row.title), str(row.tags).replace(",", " "))
        if words.empty:
            return SearchPage((), 0)
        filters = SearchFilters(exclude_gig_id=gig_id)
        return await self._run(words, filters, SortOrder.best, limit, offset, any_word=True)

    # ------------------------------------------------------------------------------------------

    def _read(self) -> _ReadTransaction:
        return _ReadTransaction(self._engine)

    async def _run(
        self,
        query: ParsedQuery,
        filters: SearchFilters,
        sort: SortOrder,
        limit: int,
        offset: int,
        *,
        any_word: bool = False,
    ) -> SearchPage:
        limit = max(0, min(limit, MAX_LIMIT))
        offset = max(0, offset)
        async with self._read() as connection:
            rows = await self._candidates(connection, query, filters, sort, any_word)
            relaxed = False
            if not rows and not any_word and len(query.words) > 1:
                rows = await self._candidates(connection, query, filters, sort, True)
                relaxed = bool(rows)
        candidates = [
            Candidate(
                gig_id=int(r.id),
                relevance=max(float(r.relevance or 0.0), 0.0),
                published_at=r.published_at,
                price_from_minor=int(r.price_from or 0),
                currency=str(r.currency),
                seller=SellerSignals(
                    completed_orders=int(r.completed or 0),
                    on_time_orders=int(r.on_time or 0),
                    rating_sum=int(r.stars or 0),
                    rating_count=int(r.reviews or 0),
                    response_hours=(None if r.response_hours is None else float(r.response_hours)),
                ),
            )
            for r in rows
        ]
        candidates = [c for c in candidates if _passes_record_filters(c.seller, filters)]
        ranked = rank(candidates, sort, self._clock.now())
        page = ranked[offset : offset + limit]
        return SearchPage(
            tuple(SearchHit(r.gig_id, r.score) for r in page), len(ranked), relaxed=relaxed
        )

    async def _candidates(
        self,
        connection: AsyncConnection,
        query: ParsedQuery,
        filters: SearchFilters,
        sort: SortOrder,
        any_word: bool,
    ) -> Sequence[Row[Any]]:
        params: dict[str, Any] = {"cap": self._cap, "window": self._window}
        postgres = connection.dialect.name == "postgresql"
        window = self._found(query, filters, any_word, params, postgres)
        order = {
            SortOrder.price: "w.price_from ASC, w.id DESC",
            SortOrder.newest: "w.published_at DESC, w.id DESC",
        }.get(sort, "w.relevance DESC, w.id DESC")
        capped = f"SELECT w.* FROM ({window}) AS w ORDER BY {order} LIMIT :cap"
        statement = text(_with_track_records(capped)).columns(published_at=UtcDateTime())
        return (await connection.execute(statement, params)).all()

    def _found(
        self,
        query: ParsedQuery,
        filters: SearchFilters,
        any_word: bool,
        params: dict[str, Any],
        postgres: bool,
    ) -> str:
        """The window: the newest `:window` live gigs matching words and filters.

        Newest by id, which the full-text indexes hand out in order without sorting (FTS5
        walks its doclist backwards and stops), so a common word costs the window, not the
        tens of thousands of gigs it matches. Columns are `WINDOW_COLUMNS`.
        """
        where = ["g.status = 'live'"]
        if query.empty:
            source, relevance, newest = "gigs g", "0.0", "g.published_at DESC"
        elif postgres:
            source, newest = "gigs g", "g.id DESC"
            relevance = "ts_rank(g.search_vector, to_tsquery('english', :q))"
            where.append("g.search_vector @@ to_tsquery('english', :q)")
            params["q"] = query.tsquery(any_word=any_word)
        else:
            source = "gigs_fts JOIN gigs g ON g.id = gigs_fts.rowid"
            relevance = "-bm25(gigs_fts, {}, {}, {})".format(*BM25_WEIGHTS)
            newest = "gigs_fts.rowid DESC"
            where.append("gigs_fts MATCH :q")
            params["q"] = query.fts5(any_word=any_word)
        checks = _sql_filters(filters, params)
        if checks and not postgres and not query.empty and checks != ["g.id <> :exclude"]:
            # Filters may pass few matches; walk at most the newest `:scan` text matches (a
            # rowid range FTS5 seeks to), not all of them: bounds a common word's cost.
            where.append(
                "gigs_fts.rowid >= COALESCE((SELECT rowid FROM gigs_fts WHERE gigs_fts MATCH :q "
                "ORDER BY rowid DESC LIMIT 1 OFFSET :scan), 0)"
            )
            params["scan"] = self._scan - 1
        where += checks
        return (
            f"SELECT {WINDOW_COLUMNS.format(relevance=relevance)} FROM {source} "
            f"WHERE {' AND '.join(where)} ORDER BY {newest} LIMIT :window"
        )


def _sql_filters(filters: SearchFilters, params: dict[str, Any]) -> list[str]:
    """WHERE clauses for the filters the store can check; values always as bound parameters."""
    clauses: list[str] = []
    if filters.category is not None:
        clauses.append("g.category = :category")
        params["category"] = filters.category.value
    if filters.currency is not None:
        clauses.append("g.currency = :currency")
        params["currency"] = filters.currency
    # The gig row's package summary (migration 0009) decides one condition alone; only
    # conditions that one package must meet together need the packages themselves, and then
    # only for gigs that the summary let through.
    package: list[str] = []
    if filters.budget_min_minor is not None:
        clauses.append("g.price_to_minor >= :budget_min")
        package.append("p.price_minor >= :budget_min")
        params["budget_min"] = filters.budget_min_minor
    if filters.budget_max_minor is not None:
        clauses.append("g.price_from_minor <= :budget_max")
        package.append("p.price_minor <= :budget_max")
        params["budget_max"] = filters.budget_max_minor
    if filters.max_delivery_days is not None:
        clauses.append("g.fastest_days <= :max_days")
        package.append("p.delivery_days <= :max_days")
        params["max_days"] = filters.max_delivery_days
    if len(package) > 1:
        clauses.append(
            "EXISTS (SELECT 1 FROM gig_packages p WHERE p.gig_id = g.id AND "
            + " AND ".join(package)
            + ")"
        )
    if filters.language:
        clauses.append("g.seller_languages LIKE :language ESCAPE '\\'")
        params["language"] = "%" + _like_escape(filters.language.casefold().strip()) + "%"
    if filters.exclude_gig_id is not None:
        clauses.append("g.id <> :exclude")
        params["exclude"] = filters.exclude_gig_id
    return clauses


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _passes_record_filters(seller: SellerSignals, filters: SearchFilters) -> bool:
    if filters.min_rating is not None and seller.rating < filters.min_rating:
        return False
    return filters.seller_level is None or seller.level.rank >= filters.seller_level.rank


def _with_track_records(candidates: str) -> str:
    """The candidates with their sellers' track records, in one statement (one round trip).

    Reviews by buyers (stars, count), completed orders and how many were delivered by their due
    time, and the mean hours from payment to the seller's first recorded action on an order:
    one row of `seller_stats` per seller, kept by the database's triggers (migration 0010).
    """
    return (
        f"SELECT cand.*, s.rating_sum AS stars, s.rating_count AS reviews, "
        "s.completed_orders AS completed, s.on_time_orders AS on_time, s.response_hours "
        f"FROM ({candidates}) AS cand LEFT JOIN seller_stats s ON s.seller_id = cand.seller_id"
    )


class _ReadTransaction:
    """A read-only connection in one transaction (plain BEGIN on SQLite: never blocks writers)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> AsyncConnection:
        connection = await self._engine.connect()
        connection = await connection.execution_options(**{READ_ONLY_OPTION: True})
        await connection.begin()
        self._connection = connection
        return connection

    async def __aexit__(self, *exc: object) -> None:
        if self._connection is not None:
            await self._connection.rollback()
            await self._connection.close()
            self._connection = None
