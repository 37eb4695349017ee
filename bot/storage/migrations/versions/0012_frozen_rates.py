"""frozen rates: every order stores the rates it was placed under

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 05:30:00

Why: the seller commission and the group referral share used to be read from the settings when
an order was *settled*, so changing SELLER_COMMISSION_BPS changed orders already paid, though an
order's price is frozen when the buyer confirms it. Now each order keeps `buyer_fee_bps`,
`seller_commission_bps`, `referral_bps` (0 when the order came from no chat that may be
credited) and `small_order_threshold_minor` (the threshold that applied to its currency, NULL
when none did; the small-order fee charged is already on the order).

Existing orders are backfilled with the settings in force when this migration runs (the
environment / .env of `python -m bot migrate`, or of the bot when it migrates on start): those
are the rates such orders would have been settled under had it not run. Their referral rate is
set only when they name a source chat; whether that chat may be credited is not re-checked.
Plain ADD COLUMN (no table rebuild), so the triggers on `orders` (migration 0010) stay.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = ("buyer_fee_bps", "seller_commission_bps", "referral_bps")


def _current_rates() -> dict[str, Any]:
    """The rates in force now: handed over by `bot.storage.migrate.upgrade`, else read from
    the environment the way the bot reads them."""
    rates = context.config.attributes.get("order_rates")
    if rates is None:
        from bot.config import load_settings

        settings = load_settings()
        rates = {
            "buyer_fee_bps": settings.buyer_fee_bps,
            "seller_commission_bps": settings.seller_commission_bps,
            "referral_bps": settings.group_referral_bps,
            "small_order_threshold_minor": settings.small_order_threshold_minor,
            "currency": settings.currency,
        }
    return dict(rates)


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("orders", sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.add_column("orders", sa.Column("small_order_threshold_minor", sa.BigInteger()))
    bind = op.get_bind()
    if not bind.execute(sa.text("SELECT COUNT(*) FROM orders")).scalar():
        return  # a new database: nothing to backfill, and no settings needed
    bind.execute(
        sa.text(
            "UPDATE orders SET buyer_fee_bps = :buyer, seller_commission_bps = :commission, "
            "referral_bps = CASE WHEN source_chat_id IS NULL THEN 0 ELSE :referral END, "
            "small_order_threshold_minor = CASE WHEN currency = :currency "
            "THEN :threshold ELSE NULL END"
        ).bindparams(  # typed: PostgreSQL cannot infer a type for a parameter inside CASE
            sa.bindparam("buyer", type_=sa.Integer()),
            sa.bindparam("commission", type_=sa.Integer()),
            sa.bindparam("referral", type_=sa.Integer()),
            sa.bindparam("threshold", type_=sa.BigInteger()),
            sa.bindparam("currency", type_=sa.String()),
        ),
        _parameters(_current_rates()),
    )


def _parameters(rates: dict[str, Any]) -> dict[str, Any]:
    return {
        "buyer": int(rates["buyer_fee_bps"]),
        "commission": int(rates["seller_commission_bps"]),
        "referral": int(rates["referral_bps"]),
        "threshold": int(rates["small_order_threshold_minor"]),
        "currency": str(rates["currency"]),
    }


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("small_order_threshold_minor")
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
