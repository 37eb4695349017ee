"""Shared fixtures: databases on SQLite (always) and PostgreSQL (when TEST_POSTGRES_DSN is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import create_engine

pytest_plugins = ["tests.fixtures.stripe", "tests.harness"]

POSTGRES_DSN = os.environ.get("TEST_POSTGRES_DSN")
POSTGRES_SKIP = (
    "PostgreSQL tests need TEST_POSTGRES_DSN (CI sets it; .ci/run does when 5432 answers)"
)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'gigbroker.sqlite3'}"


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A throw-away schema on the test server, so tests never see each other's rows."""
    if not POSTGRES_DSN:
        pytest.skip(POSTGRES_SKIP)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_DSN)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_DSN else "?"
    yield f"{POSTGRES_DSN}{separator}search_path={schema}"
    async with admin.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Every storage test runs on both stores (PostgreSQL skipped with a reason when absent)."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()
