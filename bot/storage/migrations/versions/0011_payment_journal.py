"""payment journal and polling inbox: money events and updates stored before they are applied

Revision ID: 0011
Revises: 0010

Why: a payment whose booking failed (a dropped connection, a locked database) or whose process
was killed mid-way was lost: the update counted as handled, and in polling mode the next
getUpdates had already confirmed it to Telegram. Now:

- `payment_journal` holds every incoming money event (a Telegram `successful_payment` of an
  order or a tip, every Stripe webhook event) raw, one row per provider id, written in its own
  transaction before anything else; a sweep applies what is not applied or refused yet, and
  alerts operators once after repeated failures. Rows are never deleted.
- `inbound_updates` is polling mode's inbox: each update is written before the offset that
  confirms it to Telegram is sent, and handled again after a restart until it is finished.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbound_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name="pk_inbound_updates"),
    )
    op.create_index(
        "ix_inbound_updates_unfinished", "inbound_updates", ["finished_at", "update_id"]
    )
    op.create_table(
        "payment_journal",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_reason", sa.Text(), nullable=True),
        sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_payment_journal"),
        sa.UniqueConstraint("source", "external_id", name="uq_payment_journal_source_external_id"),
    )
    op.create_index(
        "ix_payment_journal_pending",
        "payment_journal",
        ["applied_at", "refused_at", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_payment_journal_pending", table_name="payment_journal")
    op.drop_table("payment_journal")
    op.drop_index("ix_inbound_updates_unfinished", table_name="inbound_updates")
    op.drop_table("inbound_updates")
