"""Apply Alembic migrations programmatically on the application's own engine."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(
    connection: Connection | None = None, order_rates: Mapping[str, Any] | None = None
) -> Config:
    """`order_rates` (buyer_fee_bps, seller_commission_bps, referral_bps,
    small_order_threshold_minor, currency): what migration 0012 gives existing orders; without
    it that migration reads the settings from the environment, as the bot does."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    if order_rates is not None:
        config.attributes["order_rates"] = dict(order_rates)
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(
    engine: AsyncEngine, revision: str = "head", order_rates: Mapping[str, Any] | None = None
) -> None:
    """Bring the database to `revision` (head by default); a no-op when it is already there."""

    def _run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection, order_rates), revision)

    async with engine.begin() as connection:
        await connection.run_sync(_run)


async def current_revision(engine: AsyncEngine) -> str | None:
    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_read)
