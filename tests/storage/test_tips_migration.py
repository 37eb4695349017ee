"""Migration 0013 gives each tip of an order not yet paid out a row, so it is paid on its own."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain.gig import GigStatus, validate_for_publish
from bot.domain.ledger import EXTERNAL_STRIPE, LedgerTransaction, payout, tip_received
from bot.domain.money import Money
from bot.services.ports import TelegramIdentity
from bot.storage.migrate import upgrade
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.services.money_world import gig_draft

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SELLER, BUYER = 11, 22

_orders = sa.table(
    "orders",
    *(sa.column(name) for name in (
        "id", "gig_id", "buyer_id", "seller_id", "status", "rail", "currency", "subtotal_minor",
        "service_fee_minor", "small_order_fee_minor", "total_minor", "delivery_days",
        "revisions_used", "seller_started", "version",
    )),
    sa.column("snapshot", sa.JSON), sa.column("answers", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)  # fmt: skip
_events = sa.table(
    "order_events",
    sa.column("order_id"), sa.column("event"), sa.column("actor"), sa.column("to_status"),
    sa.column("data", sa.JSON), sa.column("created_at", sa.DateTime(timezone=True)),
)  # fmt: skip


async def _record_before_provider_refs(
    connection: AsyncConnection, transaction: LedgerTransaction, now: datetime
) -> None:
    """A ledger transaction as the code before migration 0014 wrote it (no provider_ref)."""
    transactions = sa.table(
        "ledger_transactions",
        sa.column("id"), sa.column("key"), sa.column("kind"), sa.column("order_id"),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )  # fmt: skip
    entries = sa.table(
        "ledger_entries",
        sa.column("transaction_id"), sa.column("account"), sa.column("currency"),
        sa.column("amount_minor"),
    )  # fmt: skip
    inserted = await connection.execute(
        transactions.insert()
        .values(
            key=transaction.key, kind=transaction.kind, order_id=transaction.order_id,
            created_at=now,
        )
        .returning(transactions.c.id)
    )  # fmt: skip
    transaction_id = inserted.scalar_one()
    await connection.execute(
        entries.insert(),
        [
            {
                "transaction_id": transaction_id,
                "account": entry.account,
                "currency": entry.amount.currency,
                "amount_minor": entry.amount.amount_minor,
            }
            for entry in transaction.entries
        ],
    )


async def test_tips_of_unpaid_orders_get_rows(engine: AsyncEngine) -> None:
    await upgrade(engine, "0012")  # the revision before 0013
    factory = SqlUnitOfWorkFactory(engine)
    async with factory() as uow:
        for user in (SELLER, BUYER):
            await uow.users.upsert_identity(TelegramIdentity(user, "U"), NOW)
        gig = await uow.gigs.add(SELLER, validate_for_publish(gig_draft()), GigStatus.live, NOW)
    async with engine.begin() as connection:
        for order_id in (1, 2):
            await connection.execute(
                _orders.insert().values(
                    id=order_id, gig_id=gig, buyer_id=BUYER, seller_id=SELLER,
                    status="completed", rail="stripe", currency="USD", subtotal_minor=2000,
                    service_fee_minor=100, small_order_fee_minor=0, total_minor=2100,
                    delivery_days=3, revisions_used=0, seller_started=True, version=1,
                    snapshot={}, answers={}, created_at=NOW,
                )
            )  # fmt: skip
            charge = f"tg_tip_{order_id}"
            await _record_before_provider_refs(
                connection,
                tip_received(
                    order_id, charge, Money(500, "USD"), SELLER, Money(400, "USD"),
                    EXTERNAL_STRIPE,
                ),
                NOW,
            )  # fmt: skip
            await connection.execute(
                _events.insert().values(
                    order_id=order_id, event="tip", actor="buyer", to_status="completed",
                    data={"amount_minor": 500, "charge": charge,
                          "provider_charge": f"ch_{order_id}"},
                    created_at=NOW,
                )
            )  # fmt: skip
        # Order 1's payout was refused: its tips made the transfer larger than its charge.
        await connection.execute(
            sa.text(
                "UPDATE orders SET payout_error = 'The payment provider refused the operation. "
                "[Transfer amount 2400 exceeds the 2310 available (code=amount_too_large)]' "
                "WHERE id = 1"
            )
        )
        # Order 2 was paid out already: its tip travelled in that transfer.
        paid = payout(SELLER, Money(2000, "USD"), "order:2:payout")
        await _record_before_provider_refs(
            connection, type(paid)(paid.key, paid.kind, paid.entries, order_id=2), NOW
        )
    await upgrade(engine)
    async with factory(read_only=True) as uow:
        tip = await uow.tips.get_by_provider_charge("ch_1")
        assert await uow.tips.get_by_provider_charge("ch_2") is None
        assert tip is not None
        assert (tip.order_id, tip.amount_minor, tip.currency) == (1, 500, "USD")
        assert tip.ledger_key == "order:1:tip:tg_tip_1" and tip.paid_at == NOW
        assert await uow.tips.awaiting_payout(NOW, 10) == [tip.id]
        order = await uow.orders.get(1)
        assert order is not None and order.payout_error is None  # the sweep pays it now
