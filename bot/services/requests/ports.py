"""Ports of buyer requests, custom offers and followed searches: records and repositories.

Kept beside `ports.py` (like `group_ports.py`) so the unit of work names them without this
feature's records crowding the order and ledger ports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class NewBrief:
    buyer_id: int
    category: str
    text: str
    currency: str
    budget_minor: int
    deadline_days: int
    post_key: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class BriefRecord:
    id: int
    buyer_id: int
    category: str
    text: str
    currency: str
    budget_minor: int
    deadline_days: int
    status: str
    post_key: str | None
    created_at: datetime
    expires_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewOffer:
    request_id: int
    seller_id: int
    gig_id: int
    currency: str
    price_minor: int
    delivery_days: int
    description: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OfferRecord:
    id: int
    request_id: int
    seller_id: int
    gig_id: int
    currency: str
    price_minor: int
    delivery_days: int
    description: str
    status: str
    order_id: int | None
    created_at: datetime
    decided_at: datetime | None


class BriefRepository(Protocol):
    async def add(self, brief: NewBrief) -> tuple[BriefRecord, bool]:
        """Insert unless `post_key` exists; (the request, whether it was created)."""
        ...

    async def get(self, request_id: int, lock: bool = False) -> BriefRecord | None: ...

    async def set_status(self, request_id: int, expected: str, status: str, now: datetime) -> bool:
        """Move the request from `expected` to `status`; False when it was not `expected`."""
        ...

    async def expired_open(self, now: datetime, limit: int) -> Sequence[int]: ...

    async def add_match(
        self, request_id: int, seller_id: int, gig_id: int, now: datetime
    ) -> bool: ...

    async def match(self, request_id: int, seller_id: int) -> int | None:
        """The gig a request was matched to for this seller, or None when it was not sent."""
        ...

    async def add_offer(self, offer: NewOffer) -> tuple[OfferRecord, bool]:
        """Insert unless this seller already answered the request; (the offer, created)."""
        ...

    async def offer(self, offer_id: int) -> OfferRecord | None: ...

    async def offers_for(self, request_id: int) -> Sequence[OfferRecord]: ...

    async def set_offer(
        self, offer_id: int, expected: str, status: str, now: datetime, order_id: int | None = None
    ) -> bool: ...

    async def close_offers(
        self, request_id: int, except_id: int | None, now: datetime
    ) -> list[int]:
        """Close the request's pending offers (but `except_id`); the sellers told, by offer id."""
        ...


@dataclass(frozen=True, slots=True)
class SavedSearchRecord:
    id: int
    user_id: int
    text: str
    filters: Mapping[str, Any]
    key: str
    active: bool
    created_at: datetime
    last_digest_at: datetime
    next_digest_at: datetime


@dataclass(frozen=True, slots=True)
class PublishedGig:
    gig_id: int
    seller_id: int
    title: str
    published_at: datetime


class SavedSearchRepository(Protocol):
    async def follow(
        self,
        user_id: int,
        text: str,
        filters: Mapping[str, Any],
        key: str,
        now: datetime,
        next_digest_at: datetime,
    ) -> SavedSearchRecord:
        """Save (or re-activate) the search; an already active one is left as it is."""
        ...

    async def get(self, search_id: int) -> SavedSearchRecord | None: ...

    async def for_user(
        self, user_id: int, active_only: bool = True
    ) -> Sequence[SavedSearchRecord]: ...

    async def stop(self, search_id: int) -> None: ...

    async def due_users(self, now: datetime, limit: int) -> Sequence[int]:
        """Users with at least one active search whose digest is due."""
        ...

    async def advance(
        self, search_id: int, expected_next: datetime, last_digest_at: datetime, next_at: datetime
    ) -> bool:
        """Move the digest on, only if nobody else did (the sweep's claim)."""
        ...

    async def published(self, gig_ids: Sequence[int]) -> Sequence[PublishedGig]:
        """Live gigs among `gig_ids`, with when they were published."""
        ...
