"""payments: stripe_events, and refund/payout errors on orders

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 10:00:00

Why: Stripe webhooks are applied once per event id (stripe_events), and a refund or payout the
provider refused for good is recorded on the order so the sweeps stop retrying and an operator
can act.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refund_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("payout_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("payout_error")
        batch_op.drop_column("refund_error")
    op.drop_table("stripe_events")
