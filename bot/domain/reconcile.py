"""Reconciliation: the providers' record of money (Stripe, Telegram Stars) against the ledger.

Every charge, refund and transfer a provider holds must be exactly one ledger transaction, and
every ledger transaction that names a provider object (`LedgerTransaction.provider_ref`) must
find that object at the provider, for the same amount in the same currency. Anything else is a
`Mismatch`. Matching is by reference only, never by amount or time, so it stays correct however
many kinds of movement name provider objects; this module is pure (lists in, report out) so the
command line, the daily sweep and the tests all share it.

Amounts: a provider object moves money in (a charge, a Stars payment) or out (a refund, a
transfer). The matching ledger transaction's amount is what its external legs moved in that
direction: the money taken from an `external:` account for money in, the money put on one for
money out. A split's transaction, say, matches its Stripe refund by the `external:refunds` leg.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from bot.domain.ledger import LedgerTransaction, is_external
from bot.domain.money import Money

Direction = Literal["in", "out"]


@dataclass(frozen=True, slots=True)
class ProviderObject:
    """One money movement as the provider records it.

    `ref` is what a ledger transaction names it by ("stripe:ch_..", "stars:<id>", ...);
    `payload` is what names its order when the provider keeps it (a Stars payment's
    invoice_payload, a Stripe charge's metadata), `payer_id` who paid (Stars), and
    `telegram_charge_id` Telegram's id of the payment when known; the safety net books a
    missing payment from these.
    """

    ref: str
    kind: str  # charge | refund | transfer | stars_payment | stars_refund
    direction: Direction
    amount: Money
    created_at: datetime
    payload: str = ""
    payer_id: int | None = None
    telegram_charge_id: str = ""
    charge_ref: str | None = None  # a refund's or a transfer's charge
    description: str = ""  # the provider's description of a charge


@dataclass(frozen=True, slots=True)
class BookedTransaction:
    """A ledger transaction as stored, with when it was written."""

    transaction: LedgerTransaction
    created_at: datetime


class MismatchKind(StrEnum):
    missing_in_ledger = "missing in the ledger"
    missing_at_provider = "missing at the provider"
    amount_differs = "amount differs"
    currency_differs = "currency differs"
    matched_twice = "matched twice"


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: MismatchKind
    ref: str
    provider: ProviderObject | None = None
    ledger_keys: tuple[str, ...] = ()
    detail: str = ""

    def line(self) -> str:
        """One line for an operator: what differs, which object, which ledger keys."""
        parts = [f"{self.kind.value}: {self.ref}"]
        if self.provider is not None:
            parts.append(f"{self.provider.kind} {self.provider.amount.format()}")
        if self.ledger_keys:
            parts.append("ledger " + ", ".join(self.ledger_keys))
        if self.detail:
            parts.append(self.detail)
        return " | ".join(parts)

    @property
    def dedupe(self) -> str:
        """The same mismatch found again by a later run is the same alert (sent once)."""
        return short_key(f"reconcile:{self.kind.name}:{self.ref}")


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    provider_objects: int
    ledger_transactions: int
    mismatches: tuple[Mismatch, ...]
    #: Providers that could not be listed this time ("stars: ..."), left out on both sides.
    unchecked: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.mismatches

    def summary(self) -> str:
        return (
            f"reconcile: {self.provider_objects} provider objects, "
            f"{self.ledger_transactions} ledger transactions, {len(self.mismatches)} mismatches"
        )

    def lines(self) -> list[str]:
        """What could not be checked, every mismatch, then the summary line."""
        return [*self.unchecked, *(m.line() for m in self.mismatches), self.summary()]


def short_key(text: str, limit: int = 100) -> str:
    """`text`, or a digest of it when longer than `limit` (keys live in bounded columns)."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 65]}#{hashlib.sha256(text.encode()).hexdigest()}"


def ledger_amounts(transaction: LedgerTransaction, direction: Direction) -> dict[str, int]:
    """Per currency, what the transaction's external legs moved in `direction`: taken from
    external accounts for money in, put on them for money out (minor units, positive)."""
    moved: dict[str, int] = defaultdict(int)
    for entry in transaction.entries:
        amount = entry.amount.amount_minor
        if not is_external(entry.account):
            continue
        if direction == "in" and amount < 0:
            moved[entry.amount.currency] += -amount
        elif direction == "out" and amount > 0:
            moved[entry.amount.currency] += amount
    return dict(moved)


def match(
    provider: Iterable[ProviderObject],
    ledger: Iterable[BookedTransaction],
    since: datetime | None = None,
) -> ReconcileReport:
    """Match provider objects to ledger transactions by reference and report what differs.

    With `since`, only objects and transactions created at or after it are counted and
    reported; older ones (pass a little more history than the window) still serve as the
    other side of a match, so a payment booked just after midnight for a charge made just
    before is no mismatch.
    """

    def counted(at: datetime) -> bool:
        return since is None or at >= since

    objects: dict[str, list[ProviderObject]] = defaultdict(list)
    for obj in provider:
        objects[obj.ref].append(obj)
    booked: dict[str, list[BookedTransaction]] = defaultdict(list)
    for record in ledger:
        if record.transaction.provider_ref:
            booked[record.transaction.provider_ref].append(record)

    mismatches: list[Mismatch] = []
    for ref in sorted(objects.keys() | booked.keys()):
        found, records = objects.get(ref, []), booked.get(ref, [])
        if not any(counted(o.created_at) for o in found) and not any(
            counted(r.created_at) for r in records
        ):
            continue
        keys = tuple(r.transaction.key for r in records)
        if len(found) > 1 or len(records) > 1:
            mismatches.append(
                Mismatch(
                    MismatchKind.matched_twice, ref, found[0] if found else None, keys,
                    f"{len(found)} provider objects, {len(records)} ledger transactions",
                )
            )  # fmt: skip
            continue
        if not records:
            mismatches.append(Mismatch(MismatchKind.missing_in_ledger, ref, found[0]))
            continue
        if not found:
            mismatches.append(Mismatch(MismatchKind.missing_at_provider, ref, None, keys))
            continue
        difference = _difference(found[0], records[0].transaction)
        if difference is not None:
            mismatches.append(difference)
    provider_count = sum(1 for group in objects.values() for o in group if counted(o.created_at))
    ledger_count = sum(1 for group in booked.values() for r in group if counted(r.created_at))
    return ReconcileReport(provider_count, ledger_count, tuple(mismatches))


def _difference(obj: ProviderObject, transaction: LedgerTransaction) -> Mismatch | None:
    moved = ledger_amounts(transaction, obj.direction)
    keys = (transaction.key,)
    currency = obj.amount.currency
    if currency not in moved or len(moved) > 1:
        booked = ", ".join(Money(v, c).format() for c, v in sorted(moved.items())) or "nothing"
        return Mismatch(MismatchKind.currency_differs, obj.ref, obj, keys, f"ledger {booked}")
    if moved[currency] != obj.amount.amount_minor:
        booked_amount = Money(moved[currency], currency).format()
        return Mismatch(
            MismatchKind.amount_differs, obj.ref, obj, keys, f"ledger {booked_amount}"
        )
    return None


def missing_charges(report: ReconcileReport) -> Sequence[Mismatch]:
    """Money that came in at a provider and that the ledger does not show: what the safety net
    books (or refunds)."""
    return [
        m
        for m in report.mismatches
        if m.kind is MismatchKind.missing_in_ledger
        and m.provider is not None
        and m.provider.direction == "in"
    ]


__all__ = [
    "BookedTransaction",
    "Direction",
    "Mismatch",
    "MismatchKind",
    "ProviderObject",
    "ReconcileReport",
    "ledger_amounts",
    "match",
    "missing_charges",
    "short_key",
]
