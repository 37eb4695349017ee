"""Creating the async engine for SQLite or PostgreSQL with the settings each needs.

SQLite is the embedded default. To let several writers work without "database is locked":
WAL journal, a busy timeout, and write transactions that start with BEGIN IMMEDIATE (taking the
write lock up front, so a transaction never has to upgrade a read lock and fail half-way).
Read-only units of work start with a plain BEGIN so readers never wait for writers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage.sqlite_driver import aiosqlite_module

SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Bytes of the database file SQLite reads through a memory map (an upper bound, not an allocation).
SQLITE_MMAP_BYTES = 2**31
READ_ONLY_OPTION = "gigbroker_read_only"


def safe_url(url: str) -> str:
    """`url` fit for logs and output: its password (if any) replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: say nothing of what it holds
        return "<unparsable database URL>"


def url_password(url: str) -> str | None:
    """The password inside a database URL, so logging can redact it wherever it appears."""
    try:
        return make_url(url).password
    except Exception:
        return None


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _ensure_sqlite_folder(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (the driver's implicit BEGIN is DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Reads straight from the mapped file instead of a read() call and a copy per page: a
        # search that checks its filters on thousands of gig rows spends most of its time
        # there (measured: 2-3x faster on such a search). Capped by SQLite's own build limit.
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine for `url`; SQLite gets WAL, foreign keys, busy timeout and BEGIN IMMEDIATE.

    A PostgreSQL URL may carry `?search_path=schema` to keep the bot's tables in one schema.
    """
    if is_sqlite(url):
        _ensure_sqlite_folder(url)
        if make_url(url).get_driver_name() == "aiosqlite":
            kwargs.setdefault("module", aiosqlite_module())
        engine = create_async_engine(url, **kwargs)
        _install_sqlite_hooks(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    parsed = make_url(url)
    search_path = parsed.query.get("search_path")
    if isinstance(search_path, str):
        # asyncpg takes no search_path in the URL; hand it over as a server setting.
        parsed = parsed.difference_update_query(["search_path"])
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("server_settings", {})["search_path"] = search_path
    return create_async_engine(parsed, **kwargs)
