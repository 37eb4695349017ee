"""`SearchIndex` on the bot's own database: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

The index itself is kept by the database (migration 0004), in the same transaction as every
gig write, so this class only reads. One search is one read-only transaction:

1. candidates: live gigs matching the words and the SQL-side filters (category, currency,
   budget and delivery on a package, seller language), ordered by the sort's own key or by text
   relevance, at most `candidate_cap` of them;
2. when all words together match nothing, the same with any word (the page says `relaxed`);
3. the candidates' sellers' track records (reviews, completed and on-time orders, response);
4. filters on that record (minimum rating, seller level), then `ranking.rank` orders the rest.

Relevance is FTS5's bm25 with column weights title 10, tags 4, description 1 on SQLite, and
`ts_rank` with weights A (title) 1.0, B (tags) 0.4, C (description) 0.2 on PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import BindParameter

from bot.clock import Clock
from bot.matching.ports import NO_FILTERS, SearchFilters, SearchHit, SearchPage, SortOrder
from bot.matching.query import ParsedQuery, parse_query, significant_words
from bot.matching.ranking import Candidate, SellerSignals, rank
from bot.storage.db import READ_ONLY_OPTION
from bot.storage.tables import UtcDateTime

DEFAULT_CANDIDATE_CAP = 400
BM25_WEIGHTS = (10.0, 4.0, 1.0)  # title, tags, description
MAX_LIMIT = 50

_PRICE_FROM = "(SELECT MIN(p.price_minor) FROM gig_packages p WHERE p.gig_id = g.id)"
_COLUMNS = (
    "g.id AS id, g.seller_id AS seller_id, {relevance} AS relevance, "
    "COALESCE(g.published_at, g.created_at) AS published_at, g.currency AS currency, "
    f"{_PRICE_FROM} AS price_from"
)


class SqlSearchIndex:
    def __init__(
        self, engine: AsyncEngine, clock: Clock, *, candidate_cap: int = DEFAULT_CANDIDATE_CAP
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._cap = candidate_cap

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
            sellers = await _seller_signals(connection, {int(r.seller_id) for r in rows})
        candidates = [
            Candidate(
                gig_id=int(r.id),
                relevance=max(float(r.relevance or 0.0), 0.0),
                published_at=r.published_at,
                price_from_minor=int(r.price_from or 0),
                currency=str(r.currency),
                seller=sellers.get(int(r.seller_id), SellerSignals()),
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
        params: dict[str, Any] = {"cap": self._cap}
        where = ["g.status = 'live'"]
        postgres = connection.dialect.name == "postgresql"
        if query.empty:
            source, relevance = "gigs g", "0.0"
        elif postgres:
            source = "gigs g"
            relevance = "ts_rank(g.search_vector, to_tsquery('english', :q))"
            where.append("g.search_vector @@ to_tsquery('english', :q)")
            params["q"] = query.tsquery(any_word=any_word)
        else:
            source = "gigs_fts JOIN gigs g ON g.id = gigs_fts.rowid"
            relevance = "-bm25(gigs_fts, {}, {}, {})".format(*BM25_WEIGHTS)
            where.append("gigs_fts MATCH :q")
            params["q"] = query.fts5(any_word=any_word)
        where += _sql_filters(filters, params)
        order = {
            SortOrder.price: "price_from ASC, g.id DESC",
            SortOrder.newest: "published_at DESC, g.id DESC",
        }.get(sort, "published_at DESC, g.id DESC" if query.empty else "relevance DESC, g.id DESC")
        statement = text(
            f"SELECT {_COLUMNS.format(relevance=relevance)} FROM {source} "
            f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT :cap"
        ).columns(published_at=UtcDateTime())
        return (await connection.execute(statement, params)).all()


def _sql_filters(filters: SearchFilters, params: dict[str, Any]) -> list[str]:
    """WHERE clauses for the filters the store can check; values always as bound parameters."""
    clauses: list[str] = []
    if filters.category is not None:
        clauses.append("g.category = :category")
        params["category"] = filters.category.value
    if filters.currency is not None:
        clauses.append("g.currency = :currency")
        params["currency"] = filters.currency
    package: list[str] = []
    if filters.budget_min_minor is not None:
        package.append("p.price_minor >= :budget_min")
        params["budget_min"] = filters.budget_min_minor
    if filters.budget_max_minor is not None:
        package.append("p.price_minor <= :budget_max")
        params["budget_max"] = filters.budget_max_minor
    if filters.max_delivery_days is not None:
        package.append("p.delivery_days <= :max_days")
        params["max_days"] = filters.max_delivery_days
    if package:
        clauses.append(
            "EXISTS (SELECT 1 FROM gig_packages p WHERE p.gig_id = g.id AND "
            + " AND ".join(package)
            + ")"
        )
    if filters.language:
        clauses.append(
            "EXISTS (SELECT 1 FROM users u WHERE u.id = g.seller_id "
            "AND lower(u.languages) LIKE :language ESCAPE '\\')"
        )
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


async def _seller_signals(
    connection: AsyncConnection, seller_ids: set[int]
) -> dict[int, SellerSignals]:
    """The track record of each seller: buyers' reviews, completed and on-time orders, response."""
    if not seller_ids:
        return {}
    ids = {"ids": sorted(seller_ids)}
    expanding: BindParameter[Any] = bindparam("ids", expanding=True)
    reviews = {
        int(r[0]): (int(r[1]), int(r[2]))
        for r in await connection.execute(
            text(
                "SELECT subject_id, SUM(rating), COUNT(*) FROM reviews "
                "WHERE role = 'buyer' AND subject_id IN :ids GROUP BY subject_id"
            ).bindparams(expanding),
            ids,
        )
    }
    completed = {
        int(r[0]): (int(r[1]), int(r[2] or 0))
        for r in await connection.execute(
            text(
                "SELECT seller_id, COUNT(*), "
                "SUM(CASE WHEN delivered_at <= due_at THEN 1 ELSE 0 END) FROM orders "
                "WHERE status = 'completed' AND seller_id IN :ids GROUP BY seller_id"
            ).bindparams(expanding),
            ids,
        )
    }
    responses: dict[int, list[float]] = defaultdict(list)
    rows = await connection.execute(
        text(
            "SELECT o.seller_id AS seller_id, o.paid_at AS paid_at, "
            "MIN(e.created_at) AS first_action FROM orders o "
            "JOIN order_events e ON e.order_id = o.id AND e.actor = 'seller' "
            "WHERE o.paid_at IS NOT NULL AND o.seller_id IN :ids "
            "GROUP BY o.id, o.seller_id, o.paid_at"
        )
        .bindparams(expanding)
        .columns(paid_at=UtcDateTime(), first_action=UtcDateTime()),
        ids,
    )
    for row in rows:
        paid: datetime = row.paid_at
        first: datetime = row.first_action
        responses[int(row.seller_id)].append(max((first - paid).total_seconds(), 0) / 3600)
    signals: dict[int, SellerSignals] = {}
    for seller_id in seller_ids:
        stars, count = reviews.get(seller_id, (0, 0))
        done, on_time = completed.get(seller_id, (0, 0))
        hours = responses.get(seller_id)
        signals[seller_id] = SellerSignals(
            completed_orders=done,
            on_time_orders=on_time,
            rating_sum=stars,
            rating_count=count,
            median_response_hours=median(hours) if hours else None,
        )
    return signals


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
