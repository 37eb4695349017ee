"""Read-only figures for health checks and metrics: database reachability, outbox lag, escrow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.tables import UtcDateTime, ledger_entries, outbox, payment_journal

ESCROW_PREFIX = "escrow:"


class SqlOpsRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def ping(self) -> None:
        await self._connection.execute(text("SELECT 1"))

    async def oldest_pending_outbox(self, now: datetime) -> datetime | None:
        """When the oldest message that is due but unsent was created (None: nothing waits)."""
        oldest = func.min(outbox.c.created_at, type_=UtcDateTime())  # keep aware datetimes
        query = select(oldest).where(outbox.c.sent_at.is_(None), outbox.c.available_at <= now)
        value: datetime | None = (await self._connection.execute(query)).scalar_one_or_none()
        return value

    async def escrow_by_currency(self) -> dict[str, int]:
        """Money held in escrow, per currency, in minor units."""
        query = (
            select(ledger_entries.c.currency, func.sum(ledger_entries.c.amount_minor))
            .where(ledger_entries.c.account.like(f"{ESCROW_PREFIX}%"))
            .group_by(ledger_entries.c.currency)
        )
        rows = (await self._connection.execute(query)).all()
        return {currency: int(total or 0) for currency, total in rows}

    async def journal_unapplied(self) -> int:
        """Payment journal rows neither applied nor refused (money events not booked yet)."""
        query = (
            select(func.count())
            .select_from(payment_journal)
            .where(payment_journal.c.applied_at.is_(None), payment_journal.c.refused_at.is_(None))
        )
        return int(await self._connection.scalar(query) or 0)
