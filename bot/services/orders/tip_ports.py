"""The tips port: every tip paid, so that each is paid out on its own (see services.payouts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

TIP_PAYOUT_PREFIX = "tip:"
TIP_PAYOUT_SUFFIX = ":payout"


def tip_payout_key(tip_id: int) -> str:
    """The ledger key of a tip's payout, and its transfer's idempotency key."""
    return f"{TIP_PAYOUT_PREFIX}{tip_id}{TIP_PAYOUT_SUFFIX}"


@dataclass(frozen=True, slots=True)
class NewTip:
    """A tip as `TipService.record` stores it, with the ledger transaction that booked it."""

    order_id: int
    seller_id: int
    currency: str
    amount_minor: int
    telegram_charge_id: str
    provider_charge_id: str | None  # the card charge the tip's transfer is made from
    ledger_key: str
    paid_at: datetime


@dataclass(frozen=True, slots=True)
class TipRecord:
    id: int
    order_id: int
    seller_id: int
    currency: str
    amount_minor: int
    telegram_charge_id: str
    provider_charge_id: str | None
    ledger_key: str
    paid_at: datetime
    payout_error: str | None


class TipRepository(Protocol):
    async def add(self, tip: NewTip) -> bool:
        """Store once per Telegram charge id; False when it was stored before."""
        ...

    async def get(self, tip_id: int) -> TipRecord | None: ...

    async def get_by_provider_charge(self, provider_charge_id: str) -> TipRecord | None: ...

    async def awaiting_payout(self, paid_before: datetime, limit: int) -> Sequence[int]:
        """Card tips paid before the date, with no payout and no payout error, oldest first."""
        ...

    async def unpaid_for_seller(self, seller_id: int, currency: str) -> Sequence[TipRecord]:
        """The seller's card tips in `currency` with no payout yet (cleared or not, error or
        not): what a manual settlement of the balance pays, and must mark as paid."""
        ...

    async def set_payout_error(self, tip_id: int, error: str) -> None: ...
