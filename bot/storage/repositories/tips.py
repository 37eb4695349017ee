"""Tips in SQL: one row per tip; paid out when the ledger holds `tip:<id>:payout`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, exists, literal, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.money import STARS
from bot.services.orders.tip_ports import TIP_PAYOUT_PREFIX, TIP_PAYOUT_SUFFIX, NewTip, TipRecord
from bot.storage.sql import insert_ignoring_conflict
from bot.storage.tables import ledger_transactions, tips

_FIELDS = tuple(TipRecord.__slots__)


def _record(row: RowMapping) -> TipRecord:
    return TipRecord(**{name: row[name] for name in _FIELDS})


def _unpaid() -> Any:
    """No ledger transaction `tip:<id>:payout` yet (`tip_payout_key`)."""
    key = literal(TIP_PAYOUT_PREFIX) + cast(tips.c.id, String) + literal(TIP_PAYOUT_SUFFIX)
    return ~exists().where(ledger_transactions.c.key == key)


def _card() -> Any:
    return tips.c.currency != STARS


class SqlTipRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, tip: NewTip) -> bool:
        values = {name: getattr(tip, name) for name in NewTip.__slots__}
        return await insert_ignoring_conflict(self._connection, tips, values)

    async def _one(self, condition: Any) -> TipRecord | None:
        row = (await self._connection.execute(select(tips).where(condition))).mappings().first()
        return _record(row) if row else None

    async def get(self, tip_id: int) -> TipRecord | None:
        return await self._one(tips.c.id == tip_id)

    async def get_by_provider_charge(self, provider_charge_id: str) -> TipRecord | None:
        return await self._one(tips.c.provider_charge_id == provider_charge_id)

    async def awaiting_payout(self, paid_before: datetime, limit: int) -> Sequence[int]:
        query = (
            select(tips.c.id)
            .where(
                _card(),
                tips.c.provider_charge_id.is_not(None),
                tips.c.payout_error.is_(None),
                tips.c.paid_at <= paid_before,
                _unpaid(),
            )
            .order_by(tips.c.paid_at, tips.c.id)
            .limit(limit)
        )
        return [int(v) for v in (await self._connection.execute(query)).scalars()]

    async def unpaid_for_seller(self, seller_id: int, currency: str) -> Sequence[TipRecord]:
        query = (
            select(tips)
            .where(
                tips.c.seller_id == seller_id,
                tips.c.currency == currency,
                _card(),
                _unpaid(),
            )
            .order_by(tips.c.id)
        )
        return [_record(row) for row in (await self._connection.execute(query)).mappings()]

    async def set_payout_error(self, tip_id: int, error: str) -> None:
        await self._connection.execute(
            update(tips).where(tips.c.id == tip_id).values(payout_error=error[:1000])
        )
