"""The double-entry ledger in SQL, and the Stripe events already applied.

`record` writes a `LedgerTransaction` (already balanced by construction) in the caller's unit
of work, once per key: the unique key turns a retried or duplicated movement into a no-op, so
the service that moved money can be re-run safely after a crash or a redelivered update.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.ledger import Entry, LedgerTransaction
from bot.domain.money import Money
from bot.domain.reconcile import BookedTransaction
from bot.storage.sql import insert_ignoring_conflict
from bot.storage.tables import ledger_entries, ledger_transactions, stripe_events, users


class SqlLedgerRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def record(self, transaction: LedgerTransaction, now: datetime) -> bool:
        inserted = await insert_ignoring_conflict(
            self._connection,
            ledger_transactions,
            {
                "key": transaction.key,
                "kind": transaction.kind,
                "order_id": transaction.order_id,
                "created_at": now,
                "provider_ref": transaction.provider_ref,
            },
            # A repeat of the same movement (its key) is ignored; a second movement naming a
            # provider object another one already names raises: never dropped in silence.
            conflict_on=["key"],
        )
        if not inserted:
            return False
        transaction_id = (
            await self._connection.execute(
                select(ledger_transactions.c.id).where(ledger_transactions.c.key == transaction.key)
            )
        ).scalar_one()
        await self._connection.execute(
            ledger_entries.insert(),
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
        return True

    async def has(self, key: str) -> bool:
        query = select(ledger_transactions.c.id).where(ledger_transactions.c.key == key)
        return (await self._connection.execute(query)).first() is not None

    async def balance(self, account: str, currency: str) -> int:
        query = select(func.coalesce(func.sum(ledger_entries.c.amount_minor), 0)).where(
            ledger_entries.c.account == account, ledger_entries.c.currency == currency
        )
        return int((await self._connection.execute(query)).scalar_one())

    async def balances(self, account_prefix: str = "") -> dict[tuple[str, str], int]:
        query = select(
            ledger_entries.c.account,
            ledger_entries.c.currency,
            func.sum(ledger_entries.c.amount_minor),
        ).group_by(ledger_entries.c.account, ledger_entries.c.currency)
        if account_prefix:
            query = query.where(ledger_entries.c.account.startswith(account_prefix))
        rows = (await self._connection.execute(query)).all()
        return {(account, currency): int(total) for account, currency, total in rows}

    async def order_transactions(self, order_id: int) -> Sequence[LedgerTransaction]:
        rows = (
            await self._connection.execute(
                select(
                    ledger_transactions.c.id,
                    ledger_transactions.c.key,
                    ledger_transactions.c.kind,
                    ledger_transactions.c.provider_ref,
                    ledger_entries.c.account,
                    ledger_entries.c.currency,
                    ledger_entries.c.amount_minor,
                )
                .join(ledger_entries, ledger_entries.c.transaction_id == ledger_transactions.c.id)
                .where(ledger_transactions.c.order_id == order_id)
                .order_by(ledger_transactions.c.id, ledger_entries.c.id)
            )
        ).all()
        grouped: dict[int, tuple[str, str, str | None, list[Entry]]] = {}
        for tx_id, key, kind, ref, account, currency, amount in rows:
            grouped.setdefault(tx_id, (key, kind, ref, []))[3].append(
                Entry(account, Money(int(amount), currency))
            )
        return [
            LedgerTransaction(
                key=key, kind=kind, entries=tuple(entries), order_id=order_id, provider_ref=ref
            )
            for key, kind, ref, entries in grouped.values()
        ]

    async def has_provider_ref(self, provider_ref: str) -> bool:
        query = select(ledger_transactions.c.id).where(
            ledger_transactions.c.provider_ref == provider_ref
        )
        return (await self._connection.execute(query)).first() is not None

    async def with_provider_refs(
        self, since: datetime | None = None
    ) -> Sequence[BookedTransaction]:
        """Every transaction that names a provider object (created at or after `since`)."""
        query = (
            select(
                ledger_transactions.c.id,
                ledger_transactions.c.key,
                ledger_transactions.c.kind,
                ledger_transactions.c.order_id,
                ledger_transactions.c.provider_ref,
                ledger_transactions.c.created_at,
                ledger_entries.c.account,
                ledger_entries.c.currency,
                ledger_entries.c.amount_minor,
            )
            .join(ledger_entries, ledger_entries.c.transaction_id == ledger_transactions.c.id)
            .where(ledger_transactions.c.provider_ref.is_not(None))
            .order_by(ledger_transactions.c.id, ledger_entries.c.id)
        )
        if since is not None:
            query = query.where(ledger_transactions.c.created_at >= since)
        grouped: dict[int, tuple[tuple[str, str, int | None, str, datetime], list[Entry]]] = {}
        for tx_id, key, kind, order_id, ref, created, account, currency, amount in (
            await self._connection.execute(query)
        ).all():
            grouped.setdefault(tx_id, ((key, kind, order_id, ref, created), []))[1].append(
                Entry(account, Money(int(amount), currency))
            )
        return [
            BookedTransaction(
                LedgerTransaction(
                    key=key,
                    kind=kind,
                    entries=tuple(entries),
                    order_id=order_id,
                    provider_ref=ref,
                ),
                created,
            )
            for (key, kind, order_id, ref, created), entries in grouped.values()
        ]


class SqlStripeEventRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def claim(self, event_id: str, event_type: str, now: datetime) -> bool:
        return await insert_ignoring_conflict(
            self._connection,
            stripe_events,
            {"id": event_id, "type": event_type[:64], "received_at": now},
        )

    async def set_payouts_enabled(self, account_id: str, enabled: bool, now: datetime) -> int:
        result = await self._connection.execute(
            update(users)
            .where(users.c.stripe_account_id == account_id)
            .values(payouts_enabled=enabled, updated_at=now)
        )
        return int(result.rowcount)
