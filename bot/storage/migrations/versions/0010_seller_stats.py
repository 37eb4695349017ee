"""sellers' track records kept by the database (`seller_stats`), read by a search with one join

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 14:00:00

Why: every search aggregated its candidates' sellers' reviews, completed orders and first
seller actions (3-12 ms a search). Now one row per seller holds the result of exactly that
aggregation:

- `rating_sum` / `rating_count`: stars and number of buyers' reviews of the seller;
- `completed_orders` / `on_time_orders`: completed orders, and those delivered by their due time;
- `response_hours`: mean hours from payment to the seller's first recorded action on an order
  (NULL when none).

The row is recomputed for the seller concerned by triggers on `reviews` (insert, delete, an
update of subject, role or rating), `orders` (insert, delete, an update of seller, status,
paid_at, due_at or delivered_at) and `order_events` (a seller's event inserted or deleted), in
the writer's transaction, whichever code writes them (like the search index in 0004). The
recomputation is the same aggregation the search used to run, for one seller, so the figures
are exactly what they were. SQLite: plain triggers; PostgreSQL: PL/pgSQL, one function per
table and one that refreshes a seller.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_SQLITE_HOURS = "(julianday(MIN(e.created_at)) - julianday(o.paid_at)) * 24.0"
_POSTGRES_HOURS = "EXTRACT(EPOCH FROM (MIN(e.created_at) - o.paid_at)) / 3600.0"


def _figures(seller: str, hours: str) -> str:
    """SELECT of one seller's five figures (`seller` is an SQL expression for the seller id)."""
    return (
        "SELECT (SELECT COALESCE(SUM(rating), 0) FROM reviews "
        f"WHERE role = 'buyer' AND subject_id = {seller}), "
        f"(SELECT COUNT(*) FROM reviews WHERE role = 'buyer' AND subject_id = {seller}), "
        f"(SELECT COUNT(*) FROM orders WHERE status = 'completed' AND seller_id = {seller}), "
        "(SELECT COALESCE(SUM(CASE WHEN delivered_at <= due_at THEN 1 ELSE 0 END), 0) "
        f"FROM orders WHERE status = 'completed' AND seller_id = {seller}), "
        f"(SELECT AVG(hours) FROM (SELECT {hours} AS hours FROM orders o "
        "JOIN order_events e ON e.order_id = o.id AND e.actor = 'seller' "
        f"WHERE o.paid_at IS NOT NULL AND o.seller_id = {seller} "
        "GROUP BY o.id, o.paid_at) AS first_actions)"
    )


FIELDS = "rating_sum, rating_count, completed_orders, on_time_orders, response_hours"


def _sqlite_refresh(seller: str) -> str:
    """Trigger-body statements that recompute one seller's row (`seller`: old./new. column)."""
    return (
        f"INSERT OR IGNORE INTO seller_stats (seller_id) SELECT {seller} "
        f"WHERE {seller} IS NOT NULL; "
        f"UPDATE seller_stats SET ({FIELDS}) = ({_figures(seller, _SQLITE_HOURS)}) "
        f"WHERE seller_id = {seller};"
    )


_ORDER_SELLER = "(SELECT seller_id FROM orders WHERE id = {event}.order_id)"

_SQLITE_TRIGGERS = {
    "reviews_seller_stats_insert": "AFTER INSERT ON reviews WHEN new.role = 'buyer' BEGIN "
    + _sqlite_refresh("new.subject_id")
    + " END",
    "reviews_seller_stats_delete": "AFTER DELETE ON reviews WHEN old.role = 'buyer' BEGIN "
    + _sqlite_refresh("old.subject_id")
    + " END",
    "reviews_seller_stats_update": "AFTER UPDATE OF subject_id, role, rating ON reviews BEGIN "
    + _sqlite_refresh("old.subject_id")
    + " "
    + _sqlite_refresh("new.subject_id")
    + " END",
    "orders_seller_stats_insert": "AFTER INSERT ON orders BEGIN "
    + _sqlite_refresh("new.seller_id")
    + " END",
    "orders_seller_stats_delete": "AFTER DELETE ON orders BEGIN "
    + _sqlite_refresh("old.seller_id")
    + " END",
    "orders_seller_stats_update": "AFTER UPDATE OF seller_id, status, paid_at, due_at, "
    "delivered_at ON orders BEGIN "
    + _sqlite_refresh("old.seller_id")
    + " "
    + _sqlite_refresh("new.seller_id")
    + " END",
    "order_events_seller_stats_insert": "AFTER INSERT ON order_events "
    "WHEN new.actor = 'seller' BEGIN "
    + _sqlite_refresh(_ORDER_SELLER.format(event="new"))
    + " END",
    "order_events_seller_stats_delete": "AFTER DELETE ON order_events "
    "WHEN old.actor = 'seller' BEGIN "
    + _sqlite_refresh(_ORDER_SELLER.format(event="old"))
    + " END",
}

_POSTGRES_UP = (
    f"""
    CREATE FUNCTION refresh_seller_stats(seller BIGINT) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        IF seller IS NULL THEN
            RETURN;
        END IF;
        INSERT INTO seller_stats (seller_id, {FIELDS})
        SELECT seller, f.* FROM ({_figures("seller", _POSTGRES_HOURS)}) AS f
        ON CONFLICT (seller_id) DO UPDATE SET
            rating_sum = EXCLUDED.rating_sum, rating_count = EXCLUDED.rating_count,
            completed_orders = EXCLUDED.completed_orders,
            on_time_orders = EXCLUDED.on_time_orders, response_hours = EXCLUDED.response_hours;
    END $$
    """,
    """
    CREATE FUNCTION reviews_seller_stats() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM refresh_seller_stats(OLD.subject_id); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM refresh_seller_stats(NEW.subject_id); END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER reviews_seller_stats AFTER INSERT OR DELETE OR UPDATE OF subject_id, role, "
    "rating ON reviews FOR EACH ROW EXECUTE FUNCTION reviews_seller_stats()",
    """
    CREATE FUNCTION orders_seller_stats() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM refresh_seller_stats(OLD.seller_id); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM refresh_seller_stats(NEW.seller_id); END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER orders_seller_stats AFTER INSERT OR DELETE OR UPDATE OF seller_id, status, "
    "paid_at, due_at, delivered_at ON orders FOR EACH ROW EXECUTE FUNCTION orders_seller_stats()",
    """
    CREATE FUNCTION order_events_seller_stats() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.actor = 'seller' THEN
                PERFORM refresh_seller_stats(
                    (SELECT seller_id FROM orders WHERE id = OLD.order_id));
            END IF;
        ELSIF NEW.actor = 'seller' THEN
            PERFORM refresh_seller_stats(
                (SELECT seller_id FROM orders WHERE id = NEW.order_id));
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER order_events_seller_stats AFTER INSERT OR DELETE ON order_events "
    "FOR EACH ROW EXECUTE FUNCTION order_events_seller_stats()",
)

_POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS order_events_seller_stats ON order_events",
    "DROP FUNCTION IF EXISTS order_events_seller_stats()",
    "DROP TRIGGER IF EXISTS orders_seller_stats ON orders",
    "DROP FUNCTION IF EXISTS orders_seller_stats()",
    "DROP TRIGGER IF EXISTS reviews_seller_stats ON reviews",
    "DROP FUNCTION IF EXISTS reviews_seller_stats()",
    "DROP FUNCTION IF EXISTS refresh_seller_stats(BIGINT)",
)


def _backfill(hours: str) -> str:
    """Every seller with a review, an order or an event at once (grouped, not seller by seller)."""
    return (
        f"INSERT INTO seller_stats (seller_id, {FIELDS}) "
        "SELECT s.seller_id, COALESCE(rev.stars, 0), COALESCE(rev.reviews, 0), "
        "COALESCE(done.completed, 0), COALESCE(done.on_time, 0), resp.response_hours FROM "
        "(SELECT subject_id AS seller_id FROM reviews WHERE role = 'buyer' "
        "UNION SELECT seller_id FROM orders) AS s "
        "LEFT JOIN (SELECT subject_id AS seller_id, SUM(rating) AS stars, COUNT(*) AS reviews "
        "FROM reviews WHERE role = 'buyer' GROUP BY subject_id) AS rev "
        "ON rev.seller_id = s.seller_id "
        "LEFT JOIN (SELECT seller_id, COUNT(*) AS completed, "
        "SUM(CASE WHEN delivered_at <= due_at THEN 1 ELSE 0 END) AS on_time FROM orders "
        "WHERE status = 'completed' GROUP BY seller_id) AS done ON done.seller_id = s.seller_id "
        "LEFT JOIN (SELECT seller_id, AVG(hours) AS response_hours FROM ("
        f"SELECT o.seller_id AS seller_id, {hours} AS hours FROM orders o "
        "JOIN order_events e ON e.order_id = o.id AND e.actor = 'seller' "
        "WHERE o.paid_at IS NOT NULL GROUP BY o.id, o.seller_id, o.paid_at) AS first_actions "
        "GROUP BY seller_id) AS resp ON resp.seller_id = s.seller_id"
    )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "seller_stats",
        sa.Column("seller_id", sa.BigInteger(), nullable=False),
        sa.Column("rating_sum", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("rating_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("completed_orders", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("on_time_orders", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("response_hours", sa.Float()),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["users.id"], name="fk_seller_stats_seller_id_users"
        ),
        sa.PrimaryKeyConstraint("seller_id", name="pk_seller_stats"),
    )
    op.execute(_backfill(_POSTGRES_HOURS if postgres else _SQLITE_HOURS))
    if postgres:
        for statement in _POSTGRES_UP:
            op.execute(statement)
        return
    for name, body in _SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _POSTGRES_DOWN:
            op.execute(statement)
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("seller_stats")
