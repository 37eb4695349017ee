"""Orders and their events in SQL.

Every change to an order goes through `update` with the version the service read: when two
events race (a payment and an expiry, two taps on Decline), exactly one update finds the version
it expects and the other changes nothing, so the service can refuse it instead of applying
both. `create` relies on the unique `confirm_key`, so a double-tapped Confirm makes one order.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, exists, func, literal, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.ports import NewOrder, OrderEventRecord, OrderRecord
from bot.storage.sql import insert_ignoring_conflict
from bot.storage.tables import ledger_entries, ledger_transactions, order_events, orders

_RECORD_FIELDS = tuple(OrderRecord.__slots__)
#: The frozen rates are written once, when the order is placed.
_FROZEN = {"buyer_fee_bps", "seller_commission_bps", "referral_bps", "small_order_threshold_minor"}
_WRITABLE = (
    frozenset(_RECORD_FIELDS) - {"id", "version", "gig_id", "buyer_id", "seller_id"} - _FROZEN
)


def _record(row: RowMapping) -> OrderRecord:
    values = {name: row[name] for name in _RECORD_FIELDS}
    values["seller_started"] = bool(values["seller_started"])
    return OrderRecord(**values)


def _has_transaction(kind: str) -> Any:
    return exists().where(
        and_(ledger_transactions.c.order_id == orders.c.id, ledger_transactions.c.kind == kind)
    )


def _escrow_held() -> Any:
    """The order's escrow still holds money (a partial refund leaves the rest to refund)."""
    held = (
        select(func.coalesce(func.sum(ledger_entries.c.amount_minor), 0))
        .where(ledger_entries.c.account == literal("escrow:order:") + cast(orders.c.id, String))
        .scalar_subquery()
    )
    return held > 0


def _released(before: datetime | None = None) -> Any:
    """The order's escrow went to the seller (release or split), at or before `before`."""
    condition = and_(
        ledger_transactions.c.order_id == orders.c.id,
        ledger_transactions.c.kind.in_(("release", "split")),
    )
    if before is not None:
        condition = and_(condition, ledger_transactions.c.created_at <= before)
    return exists().where(condition)


class SqlOrderRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def create(self, order: NewOrder) -> tuple[OrderRecord, bool]:
        values = {name: getattr(order, name) for name in NewOrder.__slots__}
        values["snapshot"] = dict(order.snapshot)
        values["answers"] = dict(order.answers)
        values["status"] = "awaiting_payment"  # every order starts there (see domain.order)
        created = await insert_ignoring_conflict(self._connection, orders, values)
        row = (
            (
                await self._connection.execute(
                    select(orders).where(orders.c.confirm_key == order.confirm_key)
                )
            )
            .mappings()
            .one()
        )
        return _record(row), created

    async def _one(self, condition: Any, lock: bool = False) -> OrderRecord | None:
        query = select(orders).where(condition)
        if lock and self._connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await self._connection.execute(query)).mappings().first()
        return _record(row) if row else None

    async def get(self, order_id: int) -> OrderRecord | None:
        return await self._one(orders.c.id == order_id)

    async def get_for_update(self, order_id: int) -> OrderRecord | None:
        # SQLite serialises writers with BEGIN IMMEDIATE, which is a lock on everything.
        return await self._one(orders.c.id == order_id, lock=True)

    async def get_by_charge(self, telegram_charge_id: str) -> OrderRecord | None:
        return await self._one(orders.c.telegram_charge_id == telegram_charge_id)

    async def get_by_provider_charge(self, provider_charge_id: str) -> OrderRecord | None:
        return await self._one(orders.c.provider_charge_id == provider_charge_id)

    async def update(self, order_id: int, expected_version: int, **fields: Any) -> bool:
        unknown = set(fields) - _WRITABLE
        if unknown:
            raise ValueError(f"not writable order fields: {sorted(unknown)}")
        result = await self._connection.execute(
            update(orders)
            .where(orders.c.id == order_id, orders.c.version == expected_version)
            .values(version=orders.c.version + 1, **fields)
        )
        return bool(result.rowcount)

    async def _ids(self, query: Any) -> Sequence[int]:
        return [int(value) for value in (await self._connection.execute(query)).scalars()]

    async def expired_unpaid(self, now: datetime, limit: int) -> Sequence[int]:
        return await self._ids(
            select(orders.c.id)
            .where(orders.c.status == "awaiting_payment", orders.c.expires_at <= now)
            .order_by(orders.c.expires_at)
            .limit(limit)
        )

    async def awaiting_refund(self, limit: int) -> Sequence[int]:
        return await self._ids(
            select(orders.c.id)
            .where(
                orders.c.status == "cancelled",
                orders.c.refund_error.is_(None),
                _has_transaction("payment"),
                _escrow_held(),
            )
            .order_by(orders.c.id)
            .limit(limit)
        )

    async def awaiting_payout(self, released_before: datetime, limit: int) -> Sequence[int]:
        return await self._ids(
            select(orders.c.id)
            .where(
                orders.c.rail == "stripe",
                orders.c.payout_error.is_(None),
                _released(released_before),
                ~_has_transaction("payout"),
            )
            .order_by(orders.c.id)
            .limit(limit)
        )

    async def unpaid_released_for_seller(self, seller_id: int, currency: str) -> Sequence[int]:
        # No clearance and no payout_error filter: a manual settlement pays the whole balance,
        # so it must claim every order whose net is in it, or the sweep could pay one again.
        return await self._ids(
            select(orders.c.id)
            .where(
                orders.c.seller_id == seller_id,
                orders.c.currency == currency,
                orders.c.rail == "stripe",
                _released(),
                ~_has_transaction("payout"),
            )
            .order_by(orders.c.id)
        )

    async def due(
        self,
        statuses: Collection[str],
        column: str,
        before: datetime,
        limit: int,
        after: datetime | None = None,
    ) -> Sequence[int]:
        if column not in _DEADLINES:
            raise ValueError(f"not a deadline column: {column}")
        deadline = orders.c[column]
        query = select(orders.c.id).where(
            orders.c.status.in_(list(statuses)), deadline.is_not(None), deadline <= before
        )
        if after is not None:
            query = query.where(deadline > after)
        return await self._ids(query.order_by(deadline, orders.c.id).limit(limit))

    async def for_party(self, user_id: int, as_seller: bool, limit: int) -> Sequence[OrderRecord]:
        party = orders.c.seller_id if as_seller else orders.c.buyer_id
        closed = case((orders.c.status.in_(("completed", "cancelled", "split")), 1), else_=0)
        rows = (
            (
                await self._connection.execute(
                    select(orders)
                    .where(party == user_id, orders.c.paid_at.is_not(None))
                    .order_by(closed, orders.c.id.desc())
                    .limit(limit)
                )
            )
            .mappings()
            .all()
        )
        return [_record(row) for row in rows]


_DEADLINES = frozenset(
    {"due_at", "auto_complete_at", "cancel_requested_at", "closed_at", "delivered_at"}
)


class SqlOrderEventRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def append(self, event: OrderEventRecord) -> None:
        await self._connection.execute(
            order_events.insert().values(
                order_id=event.order_id,
                event=event.event,
                actor=event.actor,
                actor_user_id=event.actor_user_id,
                from_status=event.from_status,
                to_status=event.to_status,
                data=dict(event.data),
                created_at=event.created_at,
            )
        )

    async def for_order(self, order_id: int) -> Sequence[OrderEventRecord]:
        rows = (
            (
                await self._connection.execute(
                    select(order_events)
                    .where(order_events.c.order_id == order_id)
                    .order_by(order_events.c.id)
                )
            )
            .mappings()
            .all()
        )
        return [
            OrderEventRecord(
                order_id=row["order_id"],
                event=row["event"],
                actor=row["actor"],
                actor_user_id=row["actor_user_id"],
                from_status=row["from_status"],
                to_status=row["to_status"],
                data=row["data"],
                created_at=row["created_at"],
            )
            for row in rows
        ]
