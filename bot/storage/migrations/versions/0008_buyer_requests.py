"""buyer requests, custom offers and followed searches

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 10:00:00

Why: a buyer request lives for REQUEST_TTL and is swept when it expires, the freelancers it
was sent to are the only ones who may answer it, and an accepted offer becomes an order, so all
of it is in the database. A followed search keeps when its digest is next due and since when
gigs count as new, so the daily digest survives restarts and runs once on any replica.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "buyer_requests",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("budget_minor", sa.BigInteger(), nullable=False),
        sa.Column("deadline_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("post_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("closed_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_buyer_requests_buyer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyer_requests")),
        sa.UniqueConstraint("post_key", name=op.f("uq_buyer_requests_post_key")),
    )
    op.create_index("ix_buyer_requests_status_expires", "buyer_requests", ["status", "expires_at"])
    op.create_table(
        "request_matches",
        sa.Column("request_id", _ID, nullable=False),
        sa.Column("seller_id", sa.BigInteger(), nullable=False),
        sa.Column("gig_id", _ID, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["buyer_requests.id"],
            name=op.f("fk_request_matches_request_id_buyer_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["users.id"], name=op.f("fk_request_matches_seller_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["gig_id"], ["gigs.id"], name=op.f("fk_request_matches_gig_id_gigs")
        ),
        sa.PrimaryKeyConstraint("request_id", "seller_id", name=op.f("pk_request_matches")),
    )
    op.create_table(
        "custom_offers",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("request_id", _ID, nullable=False),
        sa.Column("seller_id", sa.BigInteger(), nullable=False),
        sa.Column("gig_id", _ID, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("delivery_days", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("order_id", _ID, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("decided_at", _TS, nullable=True),
        sa.CheckConstraint("price_minor > 0", name=op.f("ck_custom_offers_price_positive")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["buyer_requests.id"],
            name=op.f("fk_custom_offers_request_id_buyer_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["users.id"], name=op.f("fk_custom_offers_seller_id_users")
        ),
        sa.ForeignKeyConstraint(["gig_id"], ["gigs.id"], name=op.f("fk_custom_offers_gig_id_gigs")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_custom_offers_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_offers")),
        sa.UniqueConstraint("request_id", "seller_id", name="uq_custom_offers_request_seller"),
    )
    op.create_index("ix_custom_offers_request", "custom_offers", ["request_id", "status"])
    op.create_table(
        "saved_searches",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.String(length=200), server_default="", nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_digest_at", _TS, nullable=False),
        sa.Column("next_digest_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_searches_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
        sa.UniqueConstraint("user_id", "key", name="uq_saved_searches_user_key"),
    )
    op.create_index("ix_saved_searches_due", "saved_searches", ["active", "next_digest_at"])


def downgrade() -> None:
    op.drop_index("ix_saved_searches_due", table_name="saved_searches")
    op.drop_table("saved_searches")
    op.drop_index("ix_custom_offers_request", table_name="custom_offers")
    op.drop_table("custom_offers")
    op.drop_table("request_matches")
    op.drop_index("ix_buyer_requests_status_expires", table_name="buyer_requests")
    op.drop_table("buyer_requests")
