"""The audit the chaos suite runs after every fault: the provider's record against the ledger.

Findings come in three kinds, and the suite's last line counts the first two:
- **lost**: money the buyer or seller is owed that nothing will ever move: a charge the
  provider holds and the ledger lacks (and nobody refunded), a refund or transfer the ledger
  shows but the provider never made, escrow a closed order still holds after the sweeps ran
  (with no refund error an operator was told about);
- **duplicated**: the provider moved money more often than the ledger says (two refunds or two
  transfers for one booking);
- **broken**: any other books invariant: an unbalanced transaction, a negative internal
  account, an open order whose escrow is not what its buyer paid, a provider refund or transfer
  the ledger does not show.

`EXTRA_CHECKS` is where later invariants plug in as one line each; it holds `reconcile_check`
("reconcile finds 0 mismatches", production's `bot.services.money.reconcile.reconcile`): a
mismatch is a broken finding.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain.ledger import EXTERNAL_REFUNDS, escrow_account, is_external
from bot.domain.money import STARS
from bot.domain.order import CLOSED_STATUSES, OrderStatus
from bot.payments.fake_gateway import FakePaymentGateway
from bot.payments.stars import StarsTransaction
from bot.services.money.reconcile import reconcile
from bot.storage.db import READ_ONLY_OPTION
from bot.storage.tables import ledger_entries, ledger_transactions, orders
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.chaos.faults import StarsLedger

LOST, DUPLICATED, BROKEN = "lost", "duplicated", "broken"


@dataclass(frozen=True)
class Finding:
    kind: str  # lost | duplicated | broken
    key: str  # what it is about, stable across audits (a charge, an order, a transaction)
    text: str


@dataclass(frozen=True)
class ProviderCharge:
    """A payment the provider (Telegram, and Stripe behind it for cards) holds."""

    telegram_charge_id: str
    provider_charge_id: str  # "" for Stars
    order_id: int
    amount_minor: int
    currency: str
    kind: str = "order"  # order | tip


@dataclass
class ProviderRecord:
    """Everything the providers did, as the audit's source of truth."""

    charges: list[ProviderCharge] = field(default_factory=list)
    gateway: FakePaymentGateway | None = None
    stars: StarsLedger | None = None
    #: Stars charges Telegram says are refunded (the simulator's record), besides `stars`.
    stars_refunded: set[str] = field(default_factory=set)

    def refund_objects(self, charge: ProviderCharge) -> list[int]:
        """The amounts of each refund the provider made on `charge`."""
        if charge.currency == "XTR":
            done = charge.telegram_charge_id in self.stars_refunded or (
                self.stars is not None and self.stars.refunded(charge.telegram_charge_id)
            )
            return [charge.amount_minor] if done else []
        if self.gateway is None:
            return []
        return [
            r.amount_minor
            for r in self.gateway.refunds.values()
            if r.charge_id == charge.provider_charge_id
        ]

    def transfers(self, order_id: int) -> list[int]:
        if self.gateway is None:
            return []
        group = f"order_{order_id}"
        transfers = self.gateway.transfers.values()
        return [t.amount_minor for t in transfers if t.transfer_group == group]


@dataclass
class _Tx:
    key: str
    kind: str
    order_id: int | None
    entries: list[tuple[str, str, int]] = field(default_factory=list)


Check = Callable[[AsyncEngine, ProviderRecord], Awaitable[list[Finding]]]


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A read-only connection (a plain BEGIN on SQLite, never the write lock): the audit must
    not wait behind, or fail on, a writer the faults left holding the lock."""
    async with engine.connect() as connection:
        yield await connection.execution_options(**{READ_ONLY_OPTION: True})


async def audit(engine: AsyncEngine, provider: ProviderRecord) -> list[Finding]:
    """Every invariant, on the whole database; empty when the books are right."""
    txs, order_rows = await _read(engine)
    findings = _balanced(txs)
    findings += _charges_booked(txs, order_rows, provider)
    findings += _refunds_match(txs, order_rows, provider)
    findings += _transfers_match(txs, provider)
    findings += _escrow_matches(txs, order_rows)
    for check in EXTRA_CHECKS:
        findings += await check(engine, provider)
    return findings


@dataclass(frozen=True)
class _RecordedStars:
    """Telegram's getStarTransactions, as the provider's record says: every Stars charge (order
    or tip) came in, and every refunded one went out again under the same id."""

    provider: ProviderRecord

    async def transactions(self, since: int | None = None) -> Sequence[StarsTransaction]:
        listed: list[StarsTransaction] = []
        for charge in self.provider.charges:
            if charge.currency != STARS:
                continue
            payload = f"{charge.kind}:{charge.order_id}"
            listed.append(StarsTransaction(charge.telegram_charge_id, charge.amount_minor, 0,
                                           incoming=True, user_id=None, invoice_payload=payload))
            listed += [
                StarsTransaction(charge.telegram_charge_id, amount, 0, incoming=False, user_id=None)
                for amount in self.provider.refund_objects(charge)
            ]  # fmt: skip
        return listed


async def reconcile_check(engine: AsyncEngine, provider: ProviderRecord) -> list[Finding]:
    """`python -m bot reconcile` finds 0 mismatches: production's own matching, run on the
    database and the provider's record (Stripe's side only where a fake gateway stands in for
    it; the end-to-end and kill parts pay in Stars or through the simulator alone)."""
    report = await reconcile(
        SqlUnitOfWorkFactory(engine), provider.gateway, _RecordedStars(provider)
    )
    return [
        Finding(BROKEN, f"reconcile:{m.kind.name}:{m.ref}", f"reconcile: {m.line()}")
        for m in report.mismatches
    ]


#: Further checks, run after the built-in ones (see the module docstring).
EXTRA_CHECKS: list[Check] = [reconcile_check]


async def _read(engine: AsyncEngine) -> tuple[dict[int, _Tx], dict[int, dict[str, object]]]:
    async with reading(engine) as connection:
        rows = (
            await connection.execute(
                select(
                    ledger_transactions.c.id,
                    ledger_transactions.c.key,
                    ledger_transactions.c.kind,
                    ledger_transactions.c.order_id,
                    ledger_entries.c.account,
                    ledger_entries.c.currency,
                    ledger_entries.c.amount_minor,
                ).join(
                    ledger_entries,
                    ledger_entries.c.transaction_id == ledger_transactions.c.id,
                    isouter=True,
                )
            )
        ).all()
        order_rows = (await connection.execute(select(orders))).mappings().all()
    txs: dict[int, _Tx] = {}
    for tx_id, key, kind, order_id, account, currency, amount in rows:
        tx = txs.setdefault(tx_id, _Tx(key, kind, order_id))
        if account is not None:
            tx.entries.append((account, currency, int(amount)))
    return txs, {int(row["id"]): dict(row) for row in order_rows}


def _balanced(txs: dict[int, _Tx]) -> list[Finding]:
    findings = []
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for tx in txs.values():
        sums: dict[str, int] = defaultdict(int)
        for account, currency, amount in tx.entries:
            sums[currency] += amount
            totals[(account, currency)] += amount
        if not tx.entries or any(sums.values()):
            findings.append(Finding(BROKEN, f"tx:{tx.key}", f"transaction {tx.key} unbalanced"))
    for (account, currency), amount in totals.items():
        if amount < 0 and not is_external(account):
            findings.append(
                Finding(BROKEN, f"negative:{account}", f"{account} is {amount} {currency}")
            )
    return findings


def tip_key(order_id: int, charge_id: str) -> str:
    """The ledger key of a tip (as `bot.domain.ledger.tip_received` derives it)."""
    key = f"order:{order_id}:tip:{charge_id}"
    if len(key) <= 128:
        return key
    return f"order:{order_id}:tip:sha256:{hashlib.sha256(charge_id.encode()).hexdigest()}"


def _charges_booked(
    txs: dict[int, _Tx], order_rows: dict[int, dict[str, object]], provider: ProviderRecord
) -> list[Finding]:
    keys = {tx.key for tx in txs.values()}
    findings = []
    for charge in provider.charges:
        if charge.kind == "tip":
            booked = tip_key(charge.order_id, charge.telegram_charge_id) in keys
        else:
            order = order_rows.get(charge.order_id)
            booked = (
                order is not None
                and order["telegram_charge_id"] == charge.telegram_charge_id
                and f"order:{charge.order_id}:payment" in keys
            )
        if booked or sum(provider.refund_objects(charge)) >= charge.amount_minor:
            continue
        findings.append(
            Finding(
                LOST,
                f"charge:{charge.telegram_charge_id}",
                f"{charge.kind} charge {charge.telegram_charge_id} of order #{charge.order_id} "
                f"({charge.amount_minor} {charge.currency}) is neither booked nor refunded",
            )
        )
    return findings


def _refunds_match(
    txs: dict[int, _Tx], order_rows: dict[int, dict[str, object]], provider: ProviderRecord
) -> list[Finding]:
    booked: dict[int, list[int]] = defaultdict(list)
    for tx in txs.values():
        if tx.order_id is None:
            continue
        out = sum(a for acc, _c, a in tx.entries if acc == EXTERNAL_REFUNDS)
        if out > 0:
            booked[tx.order_id].append(out)
    made: dict[int, list[int]] = defaultdict(list)
    for charge in provider.charges:
        if charge.kind == "order":
            made[charge.order_id] += provider.refund_objects(charge)
    findings = []
    for order_id in sorted(set(booked) | set(made)):
        ledger, real = booked.get(order_id, []), made.get(order_id, [])
        key = f"refund:{order_id}"
        if len(real) > 1 and len(real) > len(ledger):
            findings.append(
                Finding(DUPLICATED, key, f"order #{order_id}: {len(real)} provider refunds "
                        f"{real}, the ledger books {ledger}")
            )  # fmt: skip
        elif sum(real) < sum(ledger):
            findings.append(
                Finding(LOST, key, f"order #{order_id}: the ledger books refunds {ledger}, "
                        f"the provider made {real}")
            )  # fmt: skip
        elif sum(real) > sum(ledger):
            findings.append(
                Finding(BROKEN, key, f"order #{order_id}: the provider refunded {real}, "
                        f"the ledger books {ledger}")
            )  # fmt: skip
    return findings


def _transfers_match(txs: dict[int, _Tx], provider: ProviderRecord) -> list[Finding]:
    if provider.gateway is None:
        return []
    booked: dict[int, list[int]] = defaultdict(list)
    for tx in txs.values():
        if tx.kind == "payout" and tx.order_id is not None:
            booked[tx.order_id].append(
                sum(a for acc, _c, a in tx.entries if acc == "external:stripe")
            )
    groups = {
        int(t.transfer_group.removeprefix("order_"))
        for t in provider.gateway.transfers.values()
        if t.transfer_group.startswith("order_")
    }
    findings = []
    for order_id in sorted(groups | set(booked)):
        ledger = [a for a in booked.get(order_id, []) if a > 0]
        real = provider.transfers(order_id)
        key = f"transfer:{order_id}"
        if len(real) > 1:
            findings.append(
                Finding(DUPLICATED, key, f"order #{order_id}: {len(real)} transfers {real}")
            )
        elif sum(real) < sum(ledger):
            findings.append(
                Finding(LOST, key, f"order #{order_id}: payout booked {ledger}, "
                        f"transferred {real}")
            )  # fmt: skip
        elif sum(real) > sum(ledger):
            findings.append(
                Finding(BROKEN, key, f"order #{order_id}: transferred {real}, "
                        f"the ledger books {ledger}")
            )  # fmt: skip
    return findings


def _escrow_matches(txs: dict[int, _Tx], order_rows: dict[int, dict[str, object]]) -> list[Finding]:
    held: dict[str, int] = defaultdict(int)
    for tx in txs.values():
        for account, _currency, amount in tx.entries:
            held[account] += amount
    findings = []
    for order_id, order in order_rows.items():
        amount = held.get(escrow_account(order_id), 0)
        status = OrderStatus(str(order["status"]))
        key = f"escrow:{order_id}"
        if status in CLOSED_STATUSES:
            if amount and not order["refund_error"]:
                findings.append(
                    Finding(LOST, key, f"order #{order_id} is {status.value} and still holds "
                            f"{amount} in escrow after the sweeps")
                )  # fmt: skip
            continue
        expected = int(str(order["total_minor"])) if order["paid_at"] is not None else 0
        if amount != expected:
            findings.append(
                Finding(BROKEN, key, f"order #{order_id} ({status.value}) holds {amount}, "
                        f"expected {expected}")
            )  # fmt: skip
    return findings
