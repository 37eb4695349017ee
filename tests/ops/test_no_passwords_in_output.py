"""Database passwords never reach the logs or the console (migrate, the start-up line)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.ops.logging import RedactingFilter, redact
from bot.runner import log_secrets
from bot.storage.db import safe_url

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Pa55-w0rd-xyz"


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def _migrate(url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_on_postgresql_prints_no_password(tmp_path: Path) -> None:
    dsn = os.environ.get("TEST_POSTGRES_DSN")
    if not dsn:
        pytest.skip("needs TEST_POSTGRES_DSN")
    # The test server trusts local connections, so any password is accepted (and ignored);
    # SQLite refuses credentials in its URL, hence PostgreSQL only.
    url = make_url(dsn).set(password=PASSWORD).render_as_string(hide_password=False)
    completed = _migrate(url, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "Database is up to date" in completed.stdout
    assert PASSWORD not in completed.stdout + completed.stderr
    assert ":***@" in completed.stdout


def _logged(message: str, *args: object, secrets: list[str]) -> str:
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, message, args, None)
    RedactingFilter(secrets).filter(record)
    return record.getMessage()


def test_the_start_up_line_and_any_log_record_hide_the_database_password() -> None:
    url = f"postgresql+asyncpg://gb:{PASSWORD}@db.internal:5432/gigbroker"
    settings = _settings(database_url=url)
    assert PASSWORD in log_secrets(settings)
    # What serve logs at start-up: the URL is masked before it is even logged ...
    assert PASSWORD not in safe_url(url)
    # ... and a record that carries the password anywhere (a driver's error) is redacted.
    line = _logged("could not connect to %s (password %s)", url, PASSWORD, secrets=[])
    assert PASSWORD in line  # nothing redacts it without the settings' secrets ...
    line = _logged("could not connect to %s (password %s)", url, PASSWORD,
                   secrets=log_secrets(settings))  # fmt: skip
    assert PASSWORD not in line


def test_any_url_with_credentials_is_masked_by_the_log_filter() -> None:
    text = redact("connecting to postgresql://gb:hunter22@db/x and http://host:8080/a@b")
    assert "hunter22" not in text
    assert "postgresql://gb:[redacted]@db/x" in text
    assert "http://host:8080/a@b" in text
