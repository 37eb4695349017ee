"""search index: FTS5 on SQLite, a weighted tsvector with GIN on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:00:00

Why in the database: the index must change in the same transaction as any gig edit, pause or
deletion, whoever writes the gig. Triggers (SQLite) and a generated column (PostgreSQL) make
that true without any service having to remember it.

SQLite: `gigs_fts` is an FTS5 table with external content on `gigs` (the text is stored once,
in `gigs`), the Porter stemmer over unicode61 with diacritics removed, and a prefix index for
2 characters (2-4 until migration 0009). Only *live* gigs are in it: the triggers add a row
when a gig is or becomes live and remove it when it stops being live, so a paused, deleted or
draft gig cannot match at all.

PostgreSQL: `gigs.search_vector` is a stored generated tsvector, title weight A, tags B,
description C, 'english' configuration (stemming, stop words), with a GIN index.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
#: Was "2 3 4" (4 writes per token); migration 0009 says why 2 is enough and rebuilds old indexes.
FTS_PREFIXES = "2"
#: KiB of page cache while the index is built: FTS5 merges its segments much faster in memory.
BUILD_CACHE_KIB = 65536
#: Bytes of new index data FTS5 gathers in memory before it writes a segment, while the index
#: is built (FTS5's default is 1 MiB, which writes many small segments that are then merged
#: again and again: 32 MiB builds 100k gigs about twice as fast). Back to the default after.
BUILD_HASH_BYTES = 32 * 2**20
DEFAULT_HASH_BYTES = 2**20

_SQLITE_UP = (
    f"""
    CREATE VIRTUAL TABLE gigs_fts USING fts5(
        title, tags, description,
        content='gigs', content_rowid='id',
        tokenize='{FTS_TOKENIZER}', prefix='{FTS_PREFIXES}'
    )
    """,
    # External content: a 'delete' must hand FTS5 the exact old values, which triggers have.
    """
    CREATE TRIGGER gigs_fts_insert AFTER INSERT ON gigs WHEN new.status = 'live' BEGIN
        INSERT INTO gigs_fts(rowid, title, tags, description)
        VALUES (new.id, new.title, new.tags, new.description);
    END
    """,
    """
    CREATE TRIGGER gigs_fts_delete AFTER DELETE ON gigs WHEN old.status = 'live' BEGIN
        INSERT INTO gigs_fts(gigs_fts, rowid, title, tags, description)
        VALUES ('delete', old.id, old.title, old.tags, old.description);
    END
    """,
    # Only text or status changes touch the index (a version bump alone does not). One
    # trigger, so the old row is always removed before the new one goes in (SQLite runs several
    # triggers on one event in an order it does not promise).
    """
    CREATE TRIGGER gigs_fts_update AFTER UPDATE OF title, tags, description, status ON gigs
    BEGIN
        INSERT INTO gigs_fts(gigs_fts, rowid, title, tags, description)
        SELECT 'delete', old.id, old.title, old.tags, old.description WHERE old.status = 'live';
        INSERT INTO gigs_fts(rowid, title, tags, description)
        SELECT new.id, new.title, new.tags, new.description WHERE new.status = 'live';
    END
    """,
    f"INSERT INTO gigs_fts(gigs_fts, rank) VALUES('hashsize', {BUILD_HASH_BYTES})",
    # In rowid order, from a plain table scan (`+status`: not through the status index made
    # above): FTS5 writes its pending batch out whenever a rowid comes smaller than the last,
    # so gigs in published order made thousands of tiny segments to merge (3x slower).
    """
    INSERT INTO gigs_fts(rowid, title, tags, description)
    SELECT id, title, tags, description FROM gigs WHERE +status = 'live' ORDER BY id
    """,
    f"INSERT INTO gigs_fts(gigs_fts, rank) VALUES('hashsize', {DEFAULT_HASH_BYTES})",
)

_SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS gigs_fts_update",
    "DROP TRIGGER IF EXISTS gigs_fts_delete",
    "DROP TRIGGER IF EXISTS gigs_fts_insert",
    "DROP TABLE IF EXISTS gigs_fts",
)

#: Tags are comma-separated; the english parser would read "a,b" as one token, so commas go.
PG_SEARCH_VECTOR = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', replace(coalesce(tags, ''), ',', ' ')), 'B') || "
    "setweight(to_tsvector('english', coalesce(description, '')), 'C')"
)

_POSTGRES_UP = (
    f"ALTER TABLE gigs ADD COLUMN search_vector tsvector "
    f"GENERATED ALWAYS AS ({PG_SEARCH_VECTOR}) STORED",
    "CREATE INDEX ix_gigs_search_vector ON gigs USING gin (search_vector)",
)

_POSTGRES_DOWN = (
    "DROP INDEX IF EXISTS ix_gigs_search_vector",
    "ALTER TABLE gigs DROP COLUMN IF EXISTS search_vector",
)


def _run(statements: tuple[str, ...]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    # Browsing without words lists live gigs newest first; this index serves that order.
    op.create_index("ix_gigs_status_published", "gigs", ["status", "published_at"])
    if op.get_bind().dialect.name == "postgresql":
        _run(_POSTGRES_UP)
    else:
        bind = op.get_bind()
        before = bind.exec_driver_sql("PRAGMA cache_size").scalar()
        bind.exec_driver_sql(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
        try:
            _run(_SQLITE_UP)
        finally:
            bind.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run(_POSTGRES_DOWN)
    else:
        _run(_SQLITE_DOWN)
    op.drop_index("ix_gigs_status_published", table_name="gigs")
