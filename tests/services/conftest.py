"""Fixtures for service tests: a `MoneyWorld` on a fresh, migrated database of the store under
test (SQLite, or PostgreSQL with TEST_STORE=postgres)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.storage.db import create_engine
from bot.storage.migrate import upgrade
from tests.services.money_world import ADMIN, WEBHOOK_SECRET, MoneyWorld


@pytest.fixture
async def world(store_url: str) -> AsyncIterator[MoneyWorld]:
    engine = create_engine(store_url)
    await upgrade(engine)
    settings = Settings(
        _env_file=None,
        database_url=store_url,
        admin_ids=[ADMIN],
        payment_rails=["stripe", "stars"],
        stripe_webhook_secret=WEBHOOK_SECRET,
    )
    money = MoneyWorld(engine, settings)
    await money.add_users()
    yield money
    await money.check_books()
    await engine.dispose()
