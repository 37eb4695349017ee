"""Search latency and memory: the FTS5 index against a plain LIKE scan (prints figures).

    python -m bench.search --sizes 100000,1000000 --queries 1000 --like-queries 100

For each size: a fresh SQLite file is migrated to the revision before the search index, seeded
with generated gigs (all 12 categories, 1-3 packages, ~1 seller per 4 gigs, one completed and
reviewed order per 10 gigs), then migrated to head, which builds the FTS5 index from the
existing rows: that is the "index build" time. Then the same mixed queries (words, prefixes,
plurals, filters, every sort) run through the real `SqlSearchIndex` and through a LIKE-scan
twin that differs only in how candidates are found. Each run happens in its own child process,
so "peak RSS" is that run's own peak. Not a test: nothing passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.search_data import LANGUAGES, gigs, queries
from bot.clock import FakeClock
from bot.matching.ports import SearchFilters, SortOrder
from bot.matching.query import ParsedQuery
from bot.matching.sql_index import WINDOW_COLUMNS, SqlSearchIndex, _sql_filters
from bot.storage.db import create_engine
from bot.storage.migrate import upgrade

NOW = datetime(2026, 3, 1, tzinfo=UTC)
BEFORE_INDEX = "0003"
GIGS_PER_SELLER = 4
ORDER_EVERY = 10
BATCH = 20_000


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def seed(path: Path, size: int) -> float:
    """Fill gigs, packages, users, orders and reviews with plain sqlite3 (fast); seconds taken."""
    started = time.perf_counter()
    sellers = max(1, size // GIGS_PER_SELLER)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    now = _ts(NOW)
    db.executemany(
        "INSERT INTO users (id, first_name, languages, is_blocked, bot_blocked, "
        "payouts_enabled, created_at, updated_at) VALUES (?, ?, ?, 0, 0, 0, ?, ?)",
        (
            (n, f"Seller {n}", f"{LANGUAGES[n % 8]}, {LANGUAGES[(n * 7) % 8]}", now, now)
            for n in range(sellers + 1)  # user 0 is the buyer of every order
        ),
    )
    gig_rows: list[tuple[Any, ...]] = []
    package_rows: list[tuple[Any, ...]] = []
    order_rows: list[tuple[Any, ...]] = []
    for gig_id, gig in enumerate(gigs(size, sellers), start=1):
        published = _ts(NOW - timedelta(days=gig.age_days))
        gig_rows.append(
            (gig_id, gig.seller_id, gig.title, gig.category, gig.tags, gig.description)
            + (published,) * 3
        )
        for tier, price, days in zip(
            ("basic", "standard", "premium"), gig.prices, gig.days, strict=False
        ):
            package_rows.append((gig_id, tier, tier, "What it holds.", price, days))
        if gig_id % ORDER_EVERY == 0:
            order_rows.append((gig_id, gig.seller_id, 3 + gig_id % 3, gig_id % 7 == 0))
        if len(gig_rows) >= BATCH:
            _flush(db, gig_rows, package_rows, order_rows)
    _flush(db, gig_rows, package_rows, order_rows)
    db.commit()
    db.close()
    return time.perf_counter() - started


def _flush(
    db: sqlite3.Connection,
    gig_rows: list[tuple[Any, ...]],
    package_rows: list[tuple[Any, ...]],
    order_rows: list[tuple[Any, ...]],
) -> None:
    db.executemany(
        "INSERT INTO gigs (id, seller_id, status, title, category, tags, description, currency, "
        "photos, version, created_at, updated_at, published_at) "
        "VALUES (?, ?, 'live', ?, ?, ?, ?, 'USD', '[]', 1, ?, ?, ?)",
        gig_rows,
    )
    db.executemany(
        "INSERT INTO gig_packages (gig_id, tier, name, description, price_minor, delivery_days, "
        "revisions) VALUES (?, ?, ?, ?, ?, ?, 1)",
        package_rows,
    )
    paid, due = NOW - timedelta(days=20), NOW - timedelta(days=17)
    for gig_id, seller_id, stars, late in order_rows:
        delivered = due + timedelta(hours=4) if late else due - timedelta(hours=4)
        cursor = db.execute(
            "INSERT INTO orders (gig_id, buyer_id, seller_id, status, rail, currency, snapshot, "
            "answers, subtotal_minor, service_fee_minor, small_order_fee_minor, total_minor, "
            "delivery_days, revisions_used, seller_started, version, created_at, paid_at, "
            "due_at, delivered_at, closed_at) VALUES (?, 0, ?, 'completed', 'stripe', 'USD', "
            "'{}', '{}', 1000, 55, 0, 1055, 3, 0, 1, 1, ?, ?, ?, ?, ?)",
            (gig_id, seller_id, _ts(paid), _ts(paid), _ts(due), _ts(delivered), _ts(due)),
        )
        order_id = cursor.lastrowid
        db.execute(
            "INSERT INTO order_events (order_id, event, actor, actor_user_id, from_status, "
            "to_status, data, created_at) VALUES (?, 'deliver', 'seller', ?, 'in_progress', "
            "'delivered', '{}', ?)",
            (order_id, seller_id, _ts(paid + timedelta(hours=gig_id % 30))),
        )
        db.execute(
            "INSERT INTO reviews (order_id, gig_id, author_id, subject_id, role, rating, "
            "comment, created_at) VALUES (?, ?, 0, ?, 'buyer', ?, '', ?)",
            (order_id, gig_id, seller_id, stars, _ts(due)),
        )
    gig_rows.clear()
    package_rows.clear()
    order_rows.clear()


class LikeScanIndex(SqlSearchIndex):
    """The baseline: the same search, but candidates found by LIKE on the three text columns."""

    def _found(
        self,
        query: ParsedQuery,
        filters: SearchFilters,
        any_word: bool,
        params: dict[str, Any],
        postgres: bool,
    ) -> str:
        words = []
        for n, word in enumerate(query.words):
            params[f"w{n}"] = f"%{word}%"
            words.append(f"(g.title LIKE :w{n} OR g.tags LIKE :w{n} OR g.description LIKE :w{n})")
        where = ["g.status = 'live'", *_sql_filters(filters, params)]
        if words:
            where.append("(" + (" OR " if any_word else " AND ").join(words) + ")")
        return (
            f"SELECT {WINDOW_COLUMNS.format(relevance='1.0')} FROM gigs g "
            f"WHERE {' AND '.join(where)} ORDER BY g.id DESC LIMIT :window"
        )


async def _measure(url: str, method: str, count: int) -> dict[str, float]:
    engine = create_engine(url)
    index_class = SqlSearchIndex if method == "fts5" else LikeScanIndex
    index = index_class(engine, FakeClock(NOW))
    latencies: list[float] = []
    results = 0
    for query in queries(count):
        filters = SearchFilters(
            category=query.category,
            currency="USD" if query.budget_max_minor else None,
            budget_max_minor=query.budget_max_minor,
            max_delivery_days=query.max_delivery_days,
            min_rating=query.min_rating,
            language=query.language,
        )
        started = time.perf_counter()
        page = await index.search(query.text, filters, SortOrder(query.sort), limit=10)
        latencies.append((time.perf_counter() - started) * 1000)
        results += bool(page.hits)
    await engine.dispose()
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "queries": count,
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "found": results / count,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(url: str, method: str, count: int, out: Any) -> None:
    out.put(asyncio.run(_measure(url, method, count)))


def measure(url: str, method: str, count: int) -> dict[str, float]:
    """One run in a fresh process, so its peak RSS is its own."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=_child, args=(url, method, count, out))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise SystemExit(f"the {method} run failed (exit code {process.exitcode})")
    result: dict[str, float] = out.get(timeout=5)
    return result


async def prepare(path: Path, size: int) -> tuple[float, float]:
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    await upgrade(engine, BEFORE_INDEX)
    await engine.dispose()
    seeded = seed(path, size)
    engine = create_engine(url)
    started = time.perf_counter()
    await upgrade(engine)  # migration 0004 builds the FTS5 index from the seeded rows
    built = time.perf_counter() - started
    await engine.dispose()
    return seeded, built


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated gig counts")
    parser.add_argument("--queries", type=int, default=1000, help="queries on the index")
    parser.add_argument(
        "--like-queries", type=int, default=100, help="queries on the LIKE scan (the slow one)"
    )
    parser.add_argument("--folder", type=Path, default=None, help="where the databases go")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    folder = args.folder or Path(tempfile.mkdtemp(prefix="gigbroker-bench-"))
    header = "| gigs | method | queries | p50 ms | p95 ms | p99 ms | with results | peak RSS MB |"
    rows: list[str] = []
    builds: list[str] = []
    for size in sizes:
        path = folder / f"search-{size}.sqlite3"
        path.unlink(missing_ok=True)
        seeded, built = asyncio.run(prepare(path, size))
        megabytes = path.stat().st_size / 2**20
        builds.append(f"| {size:,} | {seeded:.1f} s | {built:.1f} s | {megabytes:,.0f} MB |")
        print(builds[-1], flush=True)
        url = f"sqlite+aiosqlite:///{path}"
        figures = {}
        for method, count in (("fts5", args.queries), ("like", args.like_queries)):
            if count <= 0:
                continue
            figures[method] = result = measure(url, method, count)
            rows.append(
                f"| {size:,} | {method} | {count} | {result['p50']:.1f} | {result['p95']:.1f} "
                f"| {result['p99']:.1f} | {result['found']:.0%} | {result['rss_mb']:.0f} |"
            )
            print(rows[-1], flush=True)
        if "fts5" in figures and "like" in figures:
            ratio = figures["like"]["p50"] / figures["fts5"]["p50"]
            rows.append(f"| {size:,} | like / fts5 (p50) | | {ratio:.0f}x | | | | |")
        path.unlink(missing_ok=True)
    print("\n| gigs | seed | FTS5 index build | database file |\n| --- | --- | --- | --- |")
    print("\n".join(builds))
    print(f"\n{header}\n" + "| --- " * 8 + "|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
