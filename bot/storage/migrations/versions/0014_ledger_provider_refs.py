"""ledger transactions name the provider object they moved money with (`provider_ref`)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 05:00:00

Why: `reconcile` matches every Stripe charge, refund and transfer and every Telegram Stars
transaction to exactly one ledger transaction. A nullable, unique `provider_ref` on
`ledger_transactions` ("stripe:ch_..", "stripe:re_..", "stripe:tr_..", "stars:<charge id>",
"stars-refund:<charge id>") is what they are matched on; unique, so that no provider object can
be booked twice.

Backfill, from what the orders table already knows: an order's payment gets its charge (Stars:
the Telegram charge id; cards: the Stripe charge id), a tip the charge its key and order event
name, and the full refund of a Stars order the refund of its charge. Card refunds and transfers
made before this revision kept no provider id: `reconcile` reports those as mismatches once,
for an operator to look at.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_transactions = sa.table(
    "ledger_transactions",
    sa.column("id", sa.BigInteger),
    sa.column("key", sa.String),
    sa.column("kind", sa.String),
    sa.column("order_id", sa.BigInteger),
    sa.column("provider_ref", sa.String),
)
_orders = sa.table(
    "orders",
    sa.column("id", sa.BigInteger),
    sa.column("rail", sa.String),
    sa.column("telegram_charge_id", sa.String),
    sa.column("provider_charge_id", sa.String),
)
_events = sa.table(
    "order_events",
    sa.column("order_id", sa.BigInteger),
    sa.column("event", sa.String),
    sa.column("data", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_ref", sa.String(length=160), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_ledger_transactions_provider_ref"), ["provider_ref"]
        )
    _backfill(op.get_bind())


def _backfill(connection: sa.Connection) -> None:
    orders = {
        row.id: row
        for row in connection.execute(
            sa.select(
                _orders.c.id,
                _orders.c.rail,
                _orders.c.telegram_charge_id,
                _orders.c.provider_charge_id,
            )
        )
    }
    tip_charges: dict[str, str] = {}  # Telegram charge id -> Stripe charge id
    for row in connection.execute(sa.select(_events.c.data).where(_events.c.event == "tip")):
        data: Any = row.data
        if isinstance(data, str):
            data = json.loads(data)
        if isinstance(data, dict) and data.get("charge") and data.get("provider_charge"):
            tip_charges[str(data["charge"])] = str(data["provider_charge"])
    seen: set[str] = set()
    for row in connection.execute(
        sa.select(_transactions.c.id, _transactions.c.key, _transactions.c.kind,
                  _transactions.c.order_id)
        .where(_transactions.c.order_id.is_not(None))
        .order_by(_transactions.c.id)
    ):  # fmt: skip
        order = orders.get(row.order_id)
        if order is None:
            continue
        ref = _ref(row.kind, row.key, order, tip_charges)
        if ref is None or ref in seen:
            continue
        seen.add(ref)
        connection.execute(
            sa.update(_transactions).where(_transactions.c.id == row.id).values(provider_ref=ref)
        )


def _ref(kind: str, key: str, order: Any, tip_charges: dict[str, str]) -> str | None:
    stars = order.rail == "stars"
    if kind == "payment" and key == f"order:{order.id}:payment":
        if stars:
            return f"stars:{order.telegram_charge_id}" if order.telegram_charge_id else None
        return f"stripe:{order.provider_charge_id}" if order.provider_charge_id else None
    if kind == "refund" and stars and key == f"order:{order.id}:refund":
        return f"stars-refund:{order.telegram_charge_id}" if order.telegram_charge_id else None
    prefix = f"order:{order.id}:tip:"
    if kind == "tip" and key.startswith(prefix) and not key.startswith(f"{prefix}sha256:"):
        charge = key.removeprefix(prefix)
        if stars:
            return f"stars:{charge}"
        provider = tip_charges.get(charge)
        return f"stripe:{provider}" if provider else None
    return None


def downgrade() -> None:
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_ledger_transactions_provider_ref"), type_="unique")
        batch_op.drop_column("provider_ref")
