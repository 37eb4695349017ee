"""group broadcasts: chat subscriptions, posts and deep-link views

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:00:00

Why: groups and channels subscribe to gigs. `group_chats` holds each chat's settings
and state; `group_posts` records every post (chat, gig, Telegram message id) so a post can be
edited when its gig is paused, deleted or repriced and so the daily limit counts what was
posted; `group_link_views` counts "Order" deep links opened from a chat for /groupstats.
Orders already carry `source_chat_id` (migration 0001), so attribution needs no new column.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "group_chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=255), server_default="", nullable=False),
        sa.Column("chat_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("price_min_minor", sa.BigInteger(), nullable=True),
        sa.Column("price_max_minor", sa.BigInteger(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("digest_hour", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("max_posts_per_day", sa.Integer(), nullable=False),
        sa.Column("allow_promotions", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=True),
        sa.Column("last_digest_day", sa.String(length=10), nullable=True),
        sa.Column("last_digest_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_group_chats")),
    )
    with op.batch_alter_table("group_chats", schema=None) as batch_op:
        batch_op.create_index("ix_group_chats_status_mode", ["status", "mode"], unique=False)
    op.create_table(
        "group_posts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("gig_id", _ID, nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("gig_ids", sa.JSON(), nullable=False),
        sa.Column("local_day", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("requested_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["gig_id"], ["gigs.id"], name=op.f("fk_group_posts_gig_id_gigs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_posts")),
        sa.UniqueConstraint(
            "chat_id", "gig_id", "local_day", name="uq_group_posts_chat_gig_day"
        ),
    )
    with op.batch_alter_table("group_posts", schema=None) as batch_op:
        batch_op.create_index("ix_group_posts_chat_day", ["chat_id", "local_day"], unique=False)
        batch_op.create_index("ix_group_posts_gig", ["gig_id"], unique=False)
    op.create_table(
        "group_link_views",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("gig_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_link_views")),
    )
    with op.batch_alter_table("group_link_views", schema=None) as batch_op:
        batch_op.create_index("ix_group_link_views_chat", ["chat_id"], unique=False)


def downgrade() -> None:
    op.drop_table("group_link_views")
    op.drop_table("group_posts")
    op.drop_table("group_chats")
