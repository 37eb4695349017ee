"""`python -m bot backup`: a consistent copy of the SQLite store while the bot runs.

SQLite's online backup API copies pages under the database's own locking, so the copy is a
valid database even while writers are active. PostgreSQL is backed up with its own tools.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

PG_DUMP_GUIDANCE = """\
PostgreSQL is backed up with its own tools, for example:
  pg_dump --format=custom --file=gigbroker-$(date +%Y%m%d-%H%M).dump "postgresql://USER@HOST/DB"
and restored with pg_restore --clean --dbname=... FILE. Schedule it with cron or a systemd timer."""


def default_target(now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return Path("backups") / f"gigbroker-{stamp}.sqlite3"


def backup_sqlite(database_url: str, target: Path) -> Path:
    """Copy the SQLite database behind `database_url` to `target` (a new file)."""
    source_path = make_url(database_url).database
    if not source_path or not Path(source_path).exists():
        raise FileNotFoundError(f"no SQLite database at {source_path!r}")
    if target.exists():
        raise FileExistsError(f"{target} exists; choose another name")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    return target
