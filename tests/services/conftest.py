"""Fixtures for service tests: a `MoneyWorld` on a fresh, migrated database of the store under
test (SQLite, or PostgreSQL with TEST_STORE=postgres)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.services.money_world import MoneyWorld


@pytest.fixture
async def world(store_url: str) -> AsyncIterator[MoneyWorld]:
    money = await MoneyWorld.open(store_url)
    yield money
    await money.check_books()
    await money.engine.dispose()
