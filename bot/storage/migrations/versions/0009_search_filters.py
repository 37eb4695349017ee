"""search filters on the gig row; a lighter FTS5 index (prefix index for 2 letters only)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 14:00:00

Why: a search walks the full-text matches newest first until it has its window, and each match
used to cost a look-up of the gig's packages (budget, delivery) and of its seller (language).
With a selective filter that meant thousands of extra seeks per query. The gig row now carries
what the filters need, kept by the database in the writer's transaction (like the index in 0004),
whichever code writes packages or profiles:

- `price_from_minor` / `price_to_minor`: the cheapest and dearest package price;
- `fastest_days`: the fastest package's delivery days;
- `seller_languages`: the seller's profile languages, lowercased.

SQLite keeps them with triggers on `gig_packages` (insert, update, delete), on `users` (a
languages change) and on `gigs` (insert); PostgreSQL with the same triggers in PL/pgSQL.

FTS5: the prefix indexes for 3 and 4 letters went. A prefix index only serves a prefix of
exactly its length, the last word of a query is usually longer than 4 letters, and FTS5 finds a
longer prefix's few terms in its term b-tree without one; the 2-letter index stays because a
2-letter prefix spans so many terms. Each indexed token was written 4 times, now 2: the build
is about twice as fast. Migration 0004 now creates the lighter table itself; here an index made
by the older 0004 is rebuilt.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
FTS_PREFIXES = "2"
OLD_FTS_PREFIXES = "2 3 4"
#: KiB of page cache while the index is (re)built: FTS5 merges segments much faster in memory.
BUILD_CACHE_KIB = 65536
#: FTS5's in-memory batch while the index is rebuilt, then its default (see 0004).
BUILD_HASH_BYTES = 32 * 2**20
DEFAULT_HASH_BYTES = 2**20

COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("price_from_minor", sa.BigInteger()),
    ("price_to_minor", sa.BigInteger()),
    ("fastest_days", sa.Integer()),
    ("seller_languages", sa.Text()),
)

_SUMMARY = (
    "(SELECT MIN(price_minor), MAX(price_minor), MIN(delivery_days) "
    "FROM gig_packages WHERE gig_id = {gig})"
)


def _summarise(gig: str) -> str:
    """The statement that refreshes one gig's package summary (`gig` is old/new.gig_id)."""
    return (
        "UPDATE gigs SET (price_from_minor, price_to_minor, fastest_days) = "
        + _SUMMARY.format(gig=gig)
        + f" WHERE id = {gig};"
    )


BACKFILL = (
    "UPDATE gigs SET (price_from_minor, price_to_minor, fastest_days) = "
    + _SUMMARY.format(gig="gigs.id")
    + ", seller_languages = (SELECT lower(languages) FROM users WHERE users.id = gigs.seller_id)"
)

_SQLITE_TRIGGERS = (
    f"CREATE TRIGGER gig_packages_summary_insert AFTER INSERT ON gig_packages BEGIN "
    f"{_summarise('new.gig_id')} END",
    f"CREATE TRIGGER gig_packages_summary_delete AFTER DELETE ON gig_packages BEGIN "
    f"{_summarise('old.gig_id')} END",
    "CREATE TRIGGER gig_packages_summary_update "
    "AFTER UPDATE OF gig_id, price_minor, delivery_days ON gig_packages BEGIN "
    f"{_summarise('old.gig_id')} {_summarise('new.gig_id')} END",
    "CREATE TRIGGER users_languages_to_gigs AFTER UPDATE OF languages ON users BEGIN "
    "UPDATE gigs SET seller_languages = lower(new.languages) WHERE seller_id = new.id; END",
    "CREATE TRIGGER gigs_seller_languages AFTER INSERT ON gigs BEGIN "
    "UPDATE gigs SET seller_languages = "
    "(SELECT lower(languages) FROM users WHERE id = new.seller_id) WHERE id = new.id; END",
)
_SQLITE_TRIGGER_NAMES = (
    "gig_packages_summary_insert",
    "gig_packages_summary_delete",
    "gig_packages_summary_update",
    "users_languages_to_gigs",
    "gigs_seller_languages",
)

_POSTGRES_UP = (
    """
    CREATE FUNCTION gig_packages_summary() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            UPDATE gigs SET (price_from_minor, price_to_minor, fastest_days) = (
                SELECT MIN(price_minor), MAX(price_minor), MIN(delivery_days)
                FROM gig_packages WHERE gig_id = OLD.gig_id) WHERE id = OLD.gig_id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            UPDATE gigs SET (price_from_minor, price_to_minor, fastest_days) = (
                SELECT MIN(price_minor), MAX(price_minor), MIN(delivery_days)
                FROM gig_packages WHERE gig_id = NEW.gig_id) WHERE id = NEW.gig_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER gig_packages_summary AFTER INSERT OR DELETE OR UPDATE OF gig_id, "
    "price_minor, delivery_days ON gig_packages "
    "FOR EACH ROW EXECUTE FUNCTION gig_packages_summary()",
    """
    CREATE FUNCTION users_languages_to_gigs() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE gigs SET seller_languages = lower(NEW.languages) WHERE seller_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER users_languages_to_gigs AFTER UPDATE OF languages ON users FOR EACH ROW "
    "WHEN (OLD.languages IS DISTINCT FROM NEW.languages) "
    "EXECUTE FUNCTION users_languages_to_gigs()",
    """
    CREATE FUNCTION gigs_seller_languages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.seller_languages := (SELECT lower(languages) FROM users WHERE id = NEW.seller_id);
        RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER gigs_seller_languages BEFORE INSERT ON gigs FOR EACH ROW "
    "EXECUTE FUNCTION gigs_seller_languages()",
)

_POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS gigs_seller_languages ON gigs",
    "DROP FUNCTION IF EXISTS gigs_seller_languages()",
    "DROP TRIGGER IF EXISTS users_languages_to_gigs ON users",
    "DROP FUNCTION IF EXISTS users_languages_to_gigs()",
    "DROP TRIGGER IF EXISTS gig_packages_summary ON gig_packages",
    "DROP FUNCTION IF EXISTS gig_packages_summary()",
)


def _rebuild_fts(prefixes: str) -> None:
    """Recreate `gigs_fts` with `prefixes` and fill it from the live gigs (0004's triggers,
    which name the table, keep working on the new one)."""
    op.execute("DROP TABLE gigs_fts")
    op.execute(
        f"""
        CREATE VIRTUAL TABLE gigs_fts USING fts5(
            title, tags, description,
            content='gigs', content_rowid='id',
            tokenize='{FTS_TOKENIZER}', prefix='{prefixes}'
        )
        """
    )
    op.execute(f"INSERT INTO gigs_fts(gigs_fts, rank) VALUES('hashsize', {BUILD_HASH_BYTES})")
    with_build_cache(
        "INSERT INTO gigs_fts(rowid, title, tags, description) "
        "SELECT id, title, tags, description FROM gigs WHERE +status = 'live' ORDER BY id"
    )  # in rowid order, like 0004 (FTS5 flushes its batch when a rowid goes backwards)
    op.execute(f"INSERT INTO gigs_fts(gigs_fts, rank) VALUES('hashsize', {DEFAULT_HASH_BYTES})")


def with_build_cache(statement: str) -> None:
    """Run a bulk statement with a large page cache on SQLite, then restore the cache size."""
    bind = op.get_bind()
    before = bind.exec_driver_sql("PRAGMA cache_size").scalar()
    bind.exec_driver_sql(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
    try:
        op.execute(statement)
    finally:
        bind.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def _fts_prefixes() -> str | None:
    sql = (
        op.get_bind()
        .exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'gigs_fts'")
        .scalar()
    )
    if sql is None:
        return None
    return FTS_PREFIXES if f"prefix='{FTS_PREFIXES}'" in str(sql) else OLD_FTS_PREFIXES


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, kind in COLUMNS:
        op.add_column("gigs", sa.Column(name, kind, nullable=True))
    if postgres:
        op.execute(BACKFILL)
        for statement in _POSTGRES_UP:
            op.execute(statement)
        return
    with_build_cache(BACKFILL)
    for statement in _SQLITE_TRIGGERS:
        op.execute(statement)
    if _fts_prefixes() == OLD_FTS_PREFIXES:
        _rebuild_fts(FTS_PREFIXES)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for statement in _POSTGRES_DOWN:
            op.execute(statement)
    else:
        for name in _SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name, _kind in reversed(COLUMNS):
        # Not batch mode: copying `gigs` would drop 0004's index triggers with the old table.
        op.execute(f"ALTER TABLE gigs DROP COLUMN {name}")
