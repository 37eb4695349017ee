"""Ports of the payment journal and of polling mode's inbox of updates (storage implements them).

Kept apart from `ports.py` because they are about intake (what arrived, and whether it was
applied yet), not about the marketplace's own records.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One incoming money event as stored: raw, with where its application stands."""

    id: int
    source: str  # telegram | stripe
    external_id: str  # the provider's id: Telegram charge id, Stripe event id
    kind: str
    payload: Mapping[str, Any]
    received_at: datetime
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    applied_at: datetime | None
    refused_at: datetime | None
    refused_reason: str | None
    alerted_at: datetime | None

    @property
    def settled(self) -> bool:
        """Applied or refused: nothing is left to do."""
        return self.applied_at is not None or self.refused_at is not None


class PaymentJournalRepository(Protocol):
    async def add(
        self,
        source: str,
        external_id: str,
        kind: str,
        payload: Mapping[str, Any],
        now: datetime,
    ) -> bool:
        """Store an event unless its (source, external_id) is stored; True when stored now."""
        ...

    async def get(self, source: str, external_id: str) -> JournalEntry | None: ...

    async def get_by_id(self, entry_id: int) -> JournalEntry | None: ...

    async def due(self, now: datetime, limit: int) -> Sequence[JournalEntry]:
        """Neither applied nor refused, and its next attempt is due; oldest first."""
        ...

    async def mark_applied(self, entry_id: int, now: datetime) -> None: ...

    async def mark_refused(self, entry_id: int, reason: str, now: datetime) -> None: ...

    async def record_failure(self, entry_id: int, error: str, retry_at: datetime) -> int:
        """Count one failed application; returns the attempts so far."""
        ...

    async def mark_alerted(self, entry_id: int, now: datetime) -> bool:
        """Note that operators were alerted; False when they had been already."""
        ...

    async def unapplied_count(self) -> int: ...

    async def count(self) -> int: ...


class InboundUpdateRepository(Protocol):
    async def store_many(
        self, updates: Sequence[tuple[int, Mapping[str, Any]]], now: datetime
    ) -> int:
        """Store raw updates by update_id (a stored one is kept as it is); how many were new."""
        ...

    async def unfinished(
        self, limit: int, after: int | None = None
    ) -> Sequence[tuple[int, Mapping[str, Any]]]:
        """Stored updates not handled to the end yet, oldest first (those whose claim finished
        are marked finished on the way)."""
        ...

    async def finish_many(self, update_ids: Collection[int], now: datetime) -> None: ...

    async def prune_finished(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` rows finished before `before`; how many were deleted."""
        ...
