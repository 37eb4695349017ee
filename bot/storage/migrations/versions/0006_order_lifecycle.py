"""order lifecycle: pending mutual-cancel and extension requests on orders

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:00:00

Why: a mutual cancellation waits for the other side (and is accepted automatically after
MUTUAL_CANCEL_TIMEOUT), and a seller's request for more time waits for the buyer. Both are
deadlines the scheduler sweeps, so they live on the order row, not in memory.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_requested_by", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("extension_days", sa.Integer(), nullable=True))
        batch_op.create_index("ix_orders_cancel_requested", ["cancel_requested_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_cancel_requested")
        batch_op.drop_column("extension_days")
        batch_op.drop_column("cancel_requested_at")
        batch_op.drop_column("cancel_requested_by")
