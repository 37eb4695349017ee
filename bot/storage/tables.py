"""SQLAlchemy Core tables: the one schema for SQLite and PostgreSQL.

Money columns are integer minor units beside a currency code; timestamps are timezone-aware UTC.
Alembic migrations in `bot/storage/migrations` create exactly these tables; a test compares the
migrated database with this metadata so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Integer primary keys: BigInteger on PostgreSQL, INTEGER (rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every dialect (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(name: str, nullable: bool = True) -> Column[datetime]:
    return Column(name, UtcDateTime(), nullable=nullable)


users = Table(
    "users",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),  # Telegram user id
    Column("username", String(64)),
    Column("first_name", String(128), nullable=False, server_default=""),
    Column("language_code", String(16)),
    Column("display_name", String(64)),
    Column("bio", Text),
    Column("skills", Text),
    Column("languages", Text),
    Column("timezone", String(64)),
    Column("is_blocked", Boolean, nullable=False, server_default="0"),
    Column("bot_blocked", Boolean, nullable=False, server_default="0"),
    Column("stripe_account_id", String(64)),
    Column("payouts_enabled", Boolean, nullable=False, server_default="0"),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
)

gigs = Table(
    "gigs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("seller_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("title", String(200), nullable=False),
    Column("category", String(32), nullable=False),
    Column("tags", Text, nullable=False, server_default=""),
    Column("description", Text, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("photos", JSON, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
    _ts("published_at"),
    # Kept by the database from gig_packages and users (migration 0009), for search filters.
    Column("price_from_minor", BigInteger),
    Column("price_to_minor", BigInteger),
    Column("fastest_days", Integer),
    Column("seller_languages", Text),
    Index("ix_gigs_seller_status", "seller_id", "status"),
    Index("ix_gigs_status_category", "status", "category"),
    Index("ix_gigs_status_published", "status", "published_at"),  # migration 0004
)

# The search index on gigs is dialect-specific DDL (migration 0004) that Core tables cannot
# express: on SQLite the FTS5 table `gigs_fts` (plus its shadow tables `gigs_fts_*`) kept in
# step by triggers; on PostgreSQL the generated column `gigs.search_vector` (tsvector, GIN).
# The schema test skips exactly these; `bot/matching/sql_index.py` is what reads them.
SEARCH_INDEX_COLUMNS: dict[str, dict[str, frozenset[str]]] = {
    "postgresql": {"gigs": frozenset({"search_vector"})},
}
SEARCH_INDEX_TABLE_PREFIX = "gigs_fts"

gig_packages = Table(
    "gig_packages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("gig_id", Id, ForeignKey("gigs.id", ondelete="CASCADE"), nullable=False),
    Column("tier", String(16), nullable=False),
    Column("name", String(64), nullable=False),
    Column("description", Text, nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("delivery_days", Integer, nullable=False),
    Column("revisions", Integer),  # NULL means unlimited
    UniqueConstraint("gig_id", "tier", name="uq_gig_packages_gig_tier"),
    CheckConstraint("price_minor > 0", name="price_positive"),
)

gig_extras = Table(
    "gig_extras",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("gig_id", Id, ForeignKey("gigs.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("title", String(64), nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("extra_days", Integer, nullable=False, server_default="0"),
    Column("extra_revisions", Integer, nullable=False, server_default="0"),
)

gig_requirements = Table(
    "gig_requirements",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("gig_id", Id, ForeignKey("gigs.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("question", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("choices", JSON, nullable=False),
    Column("required", Boolean, nullable=False, server_default="1"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("gig_id", Id, ForeignKey("gigs.id"), nullable=False),
    Column("buyer_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("seller_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("status", String(24), nullable=False),
    Column("rail", String(16), nullable=False),  # stripe | stars
    Column("currency", String(3), nullable=False),
    Column("snapshot", JSON, nullable=False),  # package, extras and title frozen at confirmation
    Column("answers", JSON, nullable=False),  # the buyer's answers to the requirements
    Column("subtotal_minor", BigInteger, nullable=False),
    Column("service_fee_minor", BigInteger, nullable=False),
    Column("small_order_fee_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("delivery_days", Integer, nullable=False),
    Column("revisions_allowed", Integer),  # NULL means unlimited
    Column("revisions_used", Integer, nullable=False, server_default="0"),
    Column("seller_started", Boolean, nullable=False, server_default="0"),
    Column("source_chat_id", BigInteger),  # the group post the order came from, if any
    Column("confirm_key", String(64), unique=True),  # one order per double-tapped "Confirm"
    Column("telegram_charge_id", String(128), unique=True),
    Column("provider_charge_id", String(128)),
    Column("version", Integer, nullable=False, server_default="1"),
    _ts("created_at", nullable=False),
    _ts("expires_at"),  # unpaid invoice expiry
    _ts("paid_at"),
    _ts("decline_until"),
    _ts("due_at"),  # delivery deadline
    _ts("delivered_at"),
    _ts("auto_complete_at"),
    _ts("closed_at"),
    # Set when the provider refused a refund or a payout for good: the sweeps stop retrying
    # it and an operator decides (migration 0003).
    Column("refund_error", Text),
    Column("payout_error", Text),
    # A pending mutual cancellation (who asked, when) and a seller's pending request for more
    # days; both are swept by the scheduler (migration 0006).
    Column("cancel_requested_by", BigInteger),
    _ts("cancel_requested_at"),
    Column("extension_days", Integer),
    # The rates the order was placed under, read by every settlement (migration 0012; orders
    # older than it were given the settings in force when it ran). The server default only
    # serves that migration: every order the bot places writes its own rates.
    Column("buyer_fee_bps", Integer, nullable=False, server_default="0"),
    Column("seller_commission_bps", Integer, nullable=False, server_default="0"),
    Column("referral_bps", Integer, nullable=False, server_default="0"),
    Column("small_order_threshold_minor", BigInteger),  # NULL: no small-order fee rule applied
    CheckConstraint("total_minor > 0", name="total_positive"),
    Index("ix_orders_buyer", "buyer_id", "status"),
    Index("ix_orders_seller", "seller_id", "status"),
    Index("ix_orders_status_due", "status", "due_at"),
    Index("ix_orders_status_auto", "status", "auto_complete_at"),
    Index("ix_orders_status_expires", "status", "expires_at"),
    Index("ix_orders_cancel_requested", "cancel_requested_at"),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("event", String(32), nullable=False),
    Column("actor", String(16), nullable=False),
    Column("actor_user_id", BigInteger),
    Column("from_status", String(24)),
    Column("to_status", String(24), nullable=False),
    Column("data", JSON, nullable=False),
    _ts("created_at", nullable=False),
    Index("ix_order_events_order", "order_id", "id"),
)

ledger_transactions = Table(
    "ledger_transactions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(128), nullable=False, unique=True),  # idempotency key
    Column("kind", String(32), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id")),
    _ts("created_at", nullable=False),
    # The provider object this movement is ("stripe:ch_..", "stars:<charge>"): one ledger
    # transaction per provider object, what `reconcile` matches on (migration 0014).
    Column("provider_ref", String(160), unique=True),
)

# Every tip, so that each is paid out on its own: a card tip is transferred from its own charge
# after its own clearance (the ledger's `tip:<id>:payout` marks it paid), a Stars tip stays on
# the seller's payable until an operator settles it (migration 0013).
tips = Table(
    "tips",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("seller_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("telegram_charge_id", String(128), nullable=False, unique=True),
    Column("provider_charge_id", String(128)),  # the card charge (NULL for Stars)
    Column("ledger_key", String(128), nullable=False),  # the tip's ledger transaction
    _ts("paid_at", nullable=False),
    Column("payout_error", Text),  # the provider refused its transfer for good
    Index("ix_tips_seller", "seller_id", "currency"),
    Index("ix_tips_paid", "paid_at"),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "transaction_id",
        Id,
        ForeignKey("ledger_transactions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("account", String(96), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    CheckConstraint("amount_minor <> 0", name="amount_nonzero"),
    Index("ix_ledger_entries_account", "account", "currency"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("gig_id", Id, ForeignKey("gigs.id"), nullable=False),
    Column("author_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("subject_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("role", String(16), nullable=False),  # buyer (reviews the seller) | seller
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    _ts("created_at", nullable=False),
    UniqueConstraint("order_id", "author_id", name="uq_reviews_order_author"),
    CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    Index("ix_reviews_subject", "subject_id", "role"),
)

#: One row per seller: the track record a search ranks by, recomputed by triggers on `reviews`,
#: `orders` and `order_events` in the writer's transaction (migration 0010).
seller_stats = Table(
    "seller_stats",
    metadata,
    Column("seller_id", BigInteger, ForeignKey("users.id"), primary_key=True, autoincrement=False),
    Column("rating_sum", BigInteger, nullable=False, server_default="0"),  # buyers' stars
    Column("rating_count", Integer, nullable=False, server_default="0"),
    Column("completed_orders", Integer, nullable=False, server_default="0"),
    Column("on_time_orders", Integer, nullable=False, server_default="0"),
    Column("response_hours", Float),  # mean hours from payment to the first seller action
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("kind", String(48), nullable=False),  # which notification renderer to use
    Column("payload", JSON, nullable=False),
    Column("dedupe_key", String(128), unique=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    _ts("created_at", nullable=False),
    _ts("available_at", nullable=False),
    _ts("sent_at"),
    Index("ix_outbox_pending", "sent_at", "available_at"),
)

processed_updates = Table(
    "processed_updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    _ts("processed_at", nullable=False),  # when the current claim was taken
    _ts("finished_at"),  # NULL while a replica is still handling it
)

# Polling mode's inbox: every update from getUpdates, written before the next getUpdates
# confirms it to Telegram, so a killed process finds it here (migration 0011).
inbound_updates = Table(
    "inbound_updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("payload", JSON, nullable=False),  # Update.to_dict() as received
    _ts("received_at", nullable=False),
    _ts("finished_at"),  # NULL until handled to the end (or refused)
    Index("ix_inbound_updates_unfinished", "finished_at", "update_id"),
)

# The payment journal: every incoming money event stored raw before it is applied; never
# deleted (migration 0011). One row per provider id: a Telegram charge or a Stripe event.
payment_journal = Table(
    "payment_journal",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(16), nullable=False),  # telegram | stripe
    Column("external_id", String(255), nullable=False),  # charge id / Stripe event id
    Column("kind", String(32), nullable=False),  # order_payment | tip_payment | stripe_event
    Column("payload", JSON, nullable=False),
    _ts("received_at", nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    _ts("next_attempt_at", nullable=False),
    _ts("applied_at"),
    _ts("refused_at"),
    Column("refused_reason", Text),
    _ts("alerted_at"),
    UniqueConstraint("source", "external_id", name="uq_payment_journal_source_external_id"),
    Index("ix_payment_journal_pending", "applied_at", "refused_at", "next_attempt_at"),
)

# Stripe webhook events already applied: each event id is applied once (migration 0003).
stripe_events = Table(
    "stripe_events",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("type", String(64), nullable=False),
    _ts("received_at", nullable=False),
)

# Conversation state and PTB persistence (a user's progress only; never gigs, orders or money).
persistence = Table(
    "persistence",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("data", JSON, nullable=False),
    _ts("updated_at", nullable=False),
)

# ---------------------------------------------------------------------------------------------
# groups and channels that receive gig posts (migration 0005)
# ---------------------------------------------------------------------------------------------

# One row per chat the bot was added to: its admins' settings and whether posts go out.
group_chats = Table(
    "group_chats",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),  # Telegram chat id
    Column("title", String(255), nullable=False, server_default=""),
    Column("chat_type", String(16), nullable=False),  # group | supergroup | channel
    Column("status", String(16), nullable=False),  # active | paused | removed
    Column("categories", JSON, nullable=False),  # category slugs; empty = any
    Column("languages", JSON, nullable=False),  # ISO 639-1 codes; empty = any
    Column("price_min_minor", BigInteger),  # in the marketplace currency; NULL = no bound
    Column("price_max_minor", BigInteger),
    Column("mode", String(16), nullable=False),  # instant | digest
    Column("digest_hour", Integer, nullable=False),  # local hour of the daily digest
    Column("timezone", String(64), nullable=False),  # IANA name
    Column("max_posts_per_day", Integer, nullable=False),
    Column("allow_promotions", Boolean, nullable=False, server_default="0"),
    Column("added_by", BigInteger),
    Column("last_digest_day", String(10)),  # local ISO date of the last digest
    _ts("last_digest_at"),  # gigs published after this go into the next digest
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
    Index("ix_group_chats_status_mode", "status", "mode"),
)

# Every post the bot made (or is about to make) in a group: what, where, and its message id.
group_posts = Table(
    "group_posts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("gig_id", Id, ForeignKey("gigs.id")),  # NULL for a digest (see gig_ids)
    Column("kind", String(16), nullable=False),  # instant | digest | manual | promotion
    Column("state", String(16), nullable=False),  # queued | sent | skipped | failed
    Column("gig_ids", JSON, nullable=False),  # the gigs the message shows
    Column("local_day", String(10), nullable=False),  # the chat's day, for the daily limit
    Column("message_id", BigInteger),
    Column("requested_by", BigInteger),  # the admin or freelancer who asked, if anyone
    _ts("created_at", nullable=False),
    _ts("sent_at"),
    UniqueConstraint("chat_id", "gig_id", "local_day", name="uq_group_posts_chat_gig_day"),
    Index("ix_group_posts_chat_day", "chat_id", "local_day"),
    Index("ix_group_posts_gig", "gig_id"),
)

# "Order" deep links opened from a group post (for /groupstats).
group_link_views = Table(
    "group_link_views",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("gig_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    _ts("viewed_at", nullable=False),
    Index("ix_group_link_views_chat", "chat_id"),
)

# ---------------------------------------------------------------------------------------------
# buyer requests, custom offers and followed searches (migration 0008)
# ---------------------------------------------------------------------------------------------

# What a buyer needs; matched freelancers answer with offers until it is accepted or expires.
buyer_requests = Table(
    "buyer_requests",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("buyer_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("category", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("budget_minor", BigInteger, nullable=False),
    Column("deadline_days", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # open | accepted | expired
    Column("post_key", String(64), unique=True),  # one request per double-tapped "Post"
    _ts("created_at", nullable=False),
    _ts("expires_at", nullable=False),
    _ts("closed_at"),
    Index("ix_buyer_requests_status_expires", "status", "expires_at"),
)

# The freelancers a request was sent to (only they may answer it), with their matching gig.
request_matches = Table(
    "request_matches",
    metadata,
    Column("request_id", Id, ForeignKey("buyer_requests.id"), primary_key=True),
    Column("seller_id", BigInteger, ForeignKey("users.id"), primary_key=True),
    Column("gig_id", Id, ForeignKey("gigs.id"), nullable=False),
    _ts("created_at", nullable=False),
)

# A freelancer's answer to a request; an accepted one names the order it became.
custom_offers = Table(
    "custom_offers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("request_id", Id, ForeignKey("buyer_requests.id"), nullable=False),
    Column("seller_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("gig_id", Id, ForeignKey("gigs.id"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("delivery_days", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("status", String(16), nullable=False),  # pending | accepted | declined | closed
    Column("order_id", Id, ForeignKey("orders.id")),
    _ts("created_at", nullable=False),
    _ts("decided_at"),
    UniqueConstraint("request_id", "seller_id", name="uq_custom_offers_request_seller"),
    CheckConstraint("price_minor > 0", name="price_positive"),
    Index("ix_custom_offers_request", "request_id", "status"),
)

# A followed search: new matching gigs arrive in a daily digest at the user's local 9:00.
saved_searches = Table(
    "saved_searches",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("text", String(200), nullable=False, server_default=""),
    Column("filters", JSON, nullable=False),
    Column("key", String(64), nullable=False),  # digest of text + filters: one row per search
    Column("active", Boolean, nullable=False, server_default="1"),
    _ts("created_at", nullable=False),
    _ts("last_digest_at", nullable=False),  # gigs published after this are new
    _ts("next_digest_at", nullable=False),  # when the sweep looks at it next
    UniqueConstraint("user_id", "key", name="uq_saved_searches_user_key"),
    Index("ix_saved_searches_due", "active", "next_digest_at"),
)
