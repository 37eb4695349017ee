"""Shared fixtures: databases on SQLite (always) and PostgreSQL (when TEST_POSTGRES_DSN is set),
and `store_url`, the store the flow tests run on (`tests/stores.py`: TEST_STORE)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import create_engine
from tests.stores import drop_leftover_schemas, fresh_store

pytest_plugins = ["tests.fixtures.stripe", "tests.harness"]

POSTGRES_DSN = os.environ.get("TEST_POSTGRES_DSN")
POSTGRES_SKIP = (
    "PostgreSQL tests need TEST_POSTGRES_DSN (CI sets it; .ci/run does when 5432 answers)"
)


@pytest.fixture(scope="session", autouse=True)
def _drop_store_schemas() -> Iterator[None]:
    """PostgreSQL stores that tests started without releasing them go at the end."""
    yield
    asyncio.run(drop_leftover_schemas())


@pytest.fixture
async def store_url(tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database on the store under test (SQLite, or PostgreSQL when
    TEST_STORE=postgres)."""
    async with fresh_store(tmp_path) as url:
        yield url


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
