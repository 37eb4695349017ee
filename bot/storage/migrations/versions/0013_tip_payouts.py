"""tips of their own: each tip is paid out from its own charge after its own clearance

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 05:00:00

Why: a card tip used to travel in its order's single transfer, whose `source_transaction` is
the order's charge; two large tips asked for more than that charge held, Stripe refused and the
order was never paid out. Now every tip has a row here: its own charge, when it was paid, and
the ledger transaction that booked it. The payout sweep transfers a card tip's net from the
tip's own charge once the clearance period has passed since the tip was paid, and records it
under `tip:<id>:payout`; Stars tips stay on the payable until an operator settles them.

Backfill: tips of orders not yet paid out get a row (the order's transfer no longer carries
them, so they are paid on their own). Tips of orders already paid out get none: either they
travelled in that transfer, or they wait on the payable for an operator, as they did before.
An order whose payout Stripe refused because its tips made the transfer larger than its charge
(`amount_too_large` / "exceeds") has that `payout_error` cleared, so the sweep pays its own net
now; any other payout error stays for the operators.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_transactions = sa.table(
    "ledger_transactions",
    sa.column("id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("kind", sa.String),
    sa.column("order_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_entries = sa.table(
    "ledger_entries",
    sa.column("transaction_id", sa.Integer),
    sa.column("currency", sa.String),
    sa.column("amount_minor", sa.BigInteger),
)
_events = sa.table(
    "order_events",
    sa.column("order_id", sa.Integer),
    sa.column("event", sa.String),
    sa.column("data", sa.JSON),
)
_orders = sa.table("orders", sa.column("id", sa.Integer), sa.column("seller_id", sa.BigInteger))


def _tip_key(order_id: int, charge_id: str) -> str:
    """The ledger key of a tip (as `bot.domain.ledger` builds it at the time of writing)."""
    key = f"order:{order_id}:tip:{charge_id}"
    if len(key) <= 128:
        return key
    return f"order:{order_id}:tip:sha256:{hashlib.sha256(charge_id.encode()).hexdigest()}"


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _backfill() -> None:
    bind = op.get_bind()
    paid_out = {
        row[0]
        for row in bind.execute(
            sa.select(_transactions.c.order_id).where(_transactions.c.kind == "payout")
        )
        if row[0] is not None
    }
    booked = {
        row.key: row
        for row in bind.execute(
            sa.select(
                _transactions.c.key,
                _transactions.c.order_id,
                _transactions.c.created_at,
                _entries.c.currency,
                sa.func.max(sa.func.abs(_entries.c.amount_minor)).label("amount"),
            )
            .join(_entries, _entries.c.transaction_id == _transactions.c.id)
            .where(_transactions.c.kind == "tip")
            .group_by(
                _transactions.c.key,
                _transactions.c.order_id,
                _transactions.c.created_at,
                _entries.c.currency,
            )
        )
    }
    sellers = dict(bind.execute(sa.select(_orders.c.id, _orders.c.seller_id)).all())
    rows = []
    for order_id, data in bind.execute(
        sa.select(_events.c.order_id, _events.c.data).where(_events.c.event == "tip")
    ):
        if order_id in paid_out or not isinstance(data, dict) or not data.get("charge"):
            continue
        charge = str(data["charge"])
        key = _tip_key(order_id, charge)
        tip = booked.get(key)
        if tip is None:
            continue
        rows.append(
            {
                "order_id": order_id,
                "seller_id": sellers[order_id],
                "currency": tip.currency,
                "amount_minor": int(tip.amount),
                "telegram_charge_id": charge[:128],
                "provider_charge_id": str(data.get("provider_charge") or "")[:128] or None,
                "ledger_key": key,
                "paid_at": _aware(tip.created_at),
            }
        )
    if rows:
        op.bulk_insert(_tips_table, rows)
    op.execute(
        "UPDATE orders SET payout_error = NULL WHERE payout_error IS NOT NULL "
        "AND (payout_error LIKE '%amount_too_large%' OR payout_error LIKE '%exceeds%') "
        "AND EXISTS (SELECT 1 FROM ledger_transactions t "
        "WHERE t.order_id = orders.id AND t.kind = 'tip') "
        "AND NOT EXISTS (SELECT 1 FROM ledger_transactions p "
        "WHERE p.order_id = orders.id AND p.kind = 'payout')"
    )


_tips_table = sa.table(
    "tips",
    sa.column("order_id", sa.Integer),
    sa.column("seller_id", sa.BigInteger),
    sa.column("currency", sa.String),
    sa.column("amount_minor", sa.BigInteger),
    sa.column("telegram_charge_id", sa.String),
    sa.column("provider_charge_id", sa.String),
    sa.column("ledger_key", sa.String),
    sa.column("paid_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "tips",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("seller_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("telegram_charge_id", sa.String(length=128), nullable=False),
        sa.Column("provider_charge_id", sa.String(length=128), nullable=True),
        sa.Column("ledger_key", sa.String(length=128), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payout_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_tips_order_id_orders")),
        sa.ForeignKeyConstraint(["seller_id"], ["users.id"], name=op.f("fk_tips_seller_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tips")),
        sa.UniqueConstraint("telegram_charge_id", name=op.f("uq_tips_telegram_charge_id")),
    )
    op.create_index("ix_tips_seller", "tips", ["seller_id", "currency"], unique=False)
    op.create_index("ix_tips_paid", "tips", ["paid_at"], unique=False)
    _backfill()


def downgrade() -> None:
    op.drop_index("ix_tips_paid", table_name="tips")
    op.drop_index("ix_tips_seller", table_name="tips")
    op.drop_table("tips")
