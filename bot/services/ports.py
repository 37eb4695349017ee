"""The ports the services use: repository and unit-of-work protocols and their plain records.

Services depend only on these protocols; `bot/storage` implements them with SQLAlchemy Core
and `tests/fakes` with dictionaries, so a service test needs no database when it wants none.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self

from bot.domain.gig import GigSpec, GigStatus
from bot.domain.ledger import LedgerTransaction
from bot.domain.money import Money
from bot.domain.pricing import OrderRates
from bot.domain.reconcile import BookedTransaction
from bot.domain.user import UserProfile
from bot.services.groups.ports import GroupRepository
from bot.services.money.journal_ports import InboundUpdateRepository, PaymentJournalRepository
from bot.services.orders.tip_ports import TipRepository
from bot.services.requests.ports import BriefRepository, SavedSearchRepository


@dataclass(frozen=True, slots=True)
class TelegramIdentity:
    """What Telegram tells us about a user on every update."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A notification committed with the state change it belongs to, sent later."""

    id: int
    chat_id: int
    kind: str
    payload: Mapping[str, Any]
    attempts: int
    created_at: datetime
    available_at: datetime


@dataclass(frozen=True, slots=True)
class NewNotification:
    """A notification a service wants delivered once its transaction commits."""

    chat_id: int
    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None


class UserRepository(Protocol):
    async def upsert_identity(self, identity: TelegramIdentity, now: datetime) -> UserProfile: ...

    async def get(self, user_id: int) -> UserProfile | None: ...

    async def get_for_update(self, user_id: int) -> UserProfile | None:
        """Read and lock the user's row until the unit of work ends (FOR UPDATE on PostgreSQL).

        The per-user mutex for what the ledger alone cannot serialise: a seller's payable
        balance is a sum over many rows, so two settlements must queue on this row before
        reading it, or both would pay out the same balance.
        """
        ...

    async def languages(self, user_ids: Collection[int]) -> dict[int, str | None]: ...

    async def update_profile(self, user_id: int, now: datetime, **fields: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class GigRecord:
    """A stored gig: always a publishable `GigSpec` (drafts live in conversation progress)."""

    id: int
    seller_id: int
    status: GigStatus
    spec: GigSpec
    version: int
    created_at: datetime
    updated_at: datetime


class GigRepository(Protocol):
    async def add(self, seller_id: int, spec: GigSpec, status: GigStatus, now: datetime) -> int: ...

    async def get(self, gig_id: int) -> GigRecord | None: ...

    async def list_by_seller(self, seller_id: int) -> Sequence[GigRecord]:
        """The seller's gigs, newest first, without deleted ones."""
        ...

    async def set_status(
        self,
        gig_id: int,
        status: GigStatus,
        now: datetime,
        expected_version: int | None = None,
    ) -> bool:
        """Set the status and bump the version; False, writing nothing, when the gig is deleted
        (deletion is final) or is no longer at `expected_version`. Callers that read the gig
        first pass the version they read, so a concurrent change is never overwritten."""
        ...

    async def update_spec(
        self, gig_id: int, spec: GigSpec, now: datetime, expected_version: int
    ) -> bool:
        """Rewrite the gig's own rows (gig, packages, extras, requirements; nothing else) and
        bump the version, only if the gig is not deleted and still at `expected_version`: the
        spec was computed from that version, so writing it over a newer one would lose an edit."""
        ...

    async def count_open_orders(self, gig_id: int, statuses: Collection[str]) -> int: ...


class OutboxRepository(Protocol):
    async def add(self, notification: NewNotification, now: datetime) -> bool: ...

    async def claim_due(
        self, now: datetime, limit: int, lease: timedelta = ...
    ) -> Sequence[OutboxMessage]: ...

    async def mark_sent(self, message_id: int, now: datetime, error: str | None = None) -> None: ...

    async def mark_failed(self, message_id: int, error: str, retry_at: datetime) -> None: ...

    async def pending_count(self) -> int: ...


class UpdateClaim(StrEnum):
    """What claiming a Telegram update_id found."""

    NEW = "new"  # ours to handle
    DONE = "done"  # handled before: a redelivery, skip it
    BUSY = "busy"  # another replica is handling it right now


class ProcessedUpdateRepository(Protocol):
    async def claim(self, update_id: int, now: datetime, lease: timedelta) -> UpdateClaim: ...

    async def finish(self, update_id: int, now: datetime) -> None: ...

    async def release_unfinished(self) -> int: ...

    async def release(self, update_id: int) -> None:
        """Make an unfinished claim takeable at once: its handling failed, a redelivery may
        run it again."""
        ...

    async def finish_many(self, update_ids: Collection[int], now: datetime) -> None: ...

    async def seen(self, update_id: int) -> bool: ...


class PersistenceRepository(Protocol):
    async def get(self, kind: str, key: str) -> Any: ...

    async def save(self, kind: str, key: str, data: Any, now: datetime) -> None: ...

    async def delete(self, kind: str, key: str) -> None: ...


class UnitOfWork(Protocol):
    """One database transaction: commits on a clean exit, rolls back on an exception."""

    users: UserRepository
    gigs: GigRepository
    outbox: OutboxRepository
    updates: ProcessedUpdateRepository
    persistence: PersistenceRepository
    orders: OrderRepository
    order_events: OrderEventRepository
    ledger: LedgerRepository
    stripe_events: StripeEventRepository
    groups: GroupRepository
    reviews: ReviewRepository
    briefs: BriefRepository  # buyer requests and custom offers
    saved_searches: SavedSearchRepository
    journal: PaymentJournalRepository  # incoming money events, stored before they are applied
    inbox: InboundUpdateRepository  # polling mode: updates stored before they are confirmed
    tips: TipRepository  # each tip, paid out on its own

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...


# ---------------------------------------------------------------------------------------------
# orders, their events, the ledger and Stripe events
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An order as `place_order` creates it: prices and the bought package frozen."""

    gig_id: int
    buyer_id: int
    seller_id: int
    rail: str
    currency: str
    snapshot: Mapping[str, Any]
    answers: Mapping[str, Any]
    subtotal_minor: int
    service_fee_minor: int
    small_order_fee_minor: int
    total_minor: int
    delivery_days: int
    revisions_allowed: int | None
    confirm_key: str
    created_at: datetime
    expires_at: datetime
    # The rates the order is placed under, frozen with it (see `bot.domain.pricing`).
    buyer_fee_bps: int
    seller_commission_bps: int
    referral_bps: int
    small_order_threshold_minor: int | None
    source_chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """A stored order; `version` grows with every change (optimistic concurrency)."""

    id: int
    gig_id: int
    buyer_id: int
    seller_id: int
    status: str
    rail: str
    currency: str
    snapshot: Mapping[str, Any]
    answers: Mapping[str, Any]
    subtotal_minor: int
    service_fee_minor: int
    small_order_fee_minor: int
    total_minor: int
    delivery_days: int
    revisions_allowed: int | None
    revisions_used: int
    seller_started: bool
    source_chat_id: int | None
    confirm_key: str | None
    telegram_charge_id: str | None
    provider_charge_id: str | None
    version: int
    created_at: datetime
    expires_at: datetime | None
    paid_at: datetime | None
    decline_until: datetime | None
    due_at: datetime | None
    delivered_at: datetime | None
    auto_complete_at: datetime | None
    closed_at: datetime | None
    refund_error: str | None
    payout_error: str | None
    # The rates the order was placed under (migration 0012; older orders were given the
    # settings in force when that migration ran). Settlement reads these, never the settings.
    buyer_fee_bps: int
    seller_commission_bps: int
    referral_bps: int
    small_order_threshold_minor: int | None
    # A pending mutual cancellation and a seller's pending request for more days.
    cancel_requested_by: int | None = None
    cancel_requested_at: datetime | None = None
    extension_days: int | None = None

    @property
    def rates(self) -> OrderRates:
        """The frozen rates every settlement of this order uses."""
        threshold = self.small_order_threshold_minor
        return OrderRates(
            buyer_fee_bps=self.buyer_fee_bps,
            seller_commission_bps=self.seller_commission_bps,
            referral_bps=self.referral_bps,
            small_order_threshold=None if threshold is None else Money(threshold, self.currency),
        )


@dataclass(frozen=True, slots=True)
class OrderEventRecord:
    order_id: int
    event: str
    actor: str
    actor_user_id: int | None
    from_status: str | None
    to_status: str
    data: Mapping[str, Any]
    created_at: datetime


class OrderRepository(Protocol):
    async def create(self, order: NewOrder) -> tuple[OrderRecord, bool]:
        """Insert unless `confirm_key` exists; returns (the order, whether it was created)."""
        ...

    async def get(self, order_id: int) -> OrderRecord | None: ...

    async def get_for_update(self, order_id: int) -> OrderRecord | None:
        """Read and lock the row until the unit of work ends (FOR UPDATE on PostgreSQL)."""
        ...

    async def get_by_charge(self, telegram_charge_id: str) -> OrderRecord | None: ...

    async def get_by_provider_charge(self, provider_charge_id: str) -> OrderRecord | None: ...

    async def update(self, order_id: int, expected_version: int, **fields: Any) -> bool:
        """Write `fields` and bump the version, only if the version is still `expected_version`."""
        ...

    async def expired_unpaid(self, now: datetime, limit: int) -> Sequence[int]: ...

    async def awaiting_refund(self, limit: int) -> Sequence[int]:
        """Cancelled orders whose payment is in escrow and not yet refunded nor failed."""
        ...

    async def awaiting_payout(self, released_before: datetime, limit: int) -> Sequence[int]:
        """Released card orders, cleared before the date, with no payout and no payout error."""
        ...

    async def unpaid_released_for_seller(self, seller_id: int, currency: str) -> Sequence[int]:
        """The seller's released card orders in `currency` with no payout yet, oldest first.

        Cleared or not, payout error or not: what a manual settlement of the seller's balance
        pays, and must therefore mark as paid so the sweep never transfers them again.
        """
        ...

    async def due(
        self,
        statuses: Collection[str],
        column: str,
        before: datetime,
        limit: int,
        after: datetime | None = None,
    ) -> Sequence[int]:
        """Orders in `statuses` whose deadline `column` is at or before `before` (and after
        `after`), soonest first: what a sweep has to look at."""
        ...

    async def for_party(self, user_id: int, as_seller: bool, limit: int) -> Sequence[OrderRecord]:
        """A user's paid orders as buyer (or as seller), open ones first, newest first."""
        ...


class OrderEventRepository(Protocol):
    async def append(self, event: OrderEventRecord) -> None: ...

    async def for_order(self, order_id: int) -> Sequence[OrderEventRecord]: ...


class LedgerRepository(Protocol):
    async def record(self, transaction: LedgerTransaction, now: datetime) -> bool:
        """Write a balanced transaction once by its key; False when the key already exists."""
        ...

    async def has(self, key: str) -> bool: ...

    async def balance(self, account: str, currency: str) -> int: ...

    async def balances(self, account_prefix: str = "") -> dict[tuple[str, str], int]: ...

    async def order_transactions(self, order_id: int) -> Sequence[LedgerTransaction]: ...

    async def has_provider_ref(self, provider_ref: str) -> bool:
        """Whether a transaction names this provider object (see `LedgerTransaction`)."""
        ...

    async def with_provider_refs(
        self, since: datetime | None = None
    ) -> Sequence[BookedTransaction]:
        """Every transaction naming a provider object, created at or after `since` if given."""
        ...


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """A review of one side of an order by the other (`role` is the author's side)."""

    order_id: int
    gig_id: int
    author_id: int
    subject_id: int
    role: str  # buyer (rates the seller) | seller (rates the buyer)
    rating: int
    comment: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """A seller's history as levels need it (see `bot.domain.levels`)."""

    completed: int = 0
    on_time: int = 0
    failed: int = 0  # paid orders that ended cancelled or refunded/split in a dispute
    rating_sum: int = 0
    rating_count: int = 0


class ReviewRepository(Protocol):
    async def add(self, review: ReviewRecord) -> bool:
        """Store once per (order, author); False when this author already reviewed it."""
        ...

    async def for_order(self, order_id: int) -> Sequence[ReviewRecord]: ...

    async def gig_rating(self, gig_id: int) -> tuple[int, int]:
        """(sum of stars, number of reviews) buyers gave this gig."""
        ...

    async def track_record(self, seller_id: int) -> TrackRecord: ...


class StripeEventRepository(Protocol):
    async def claim(self, event_id: str, event_type: str, now: datetime) -> bool:
        """True the first time an event id is seen (in the caller's transaction)."""
        ...

    async def set_payouts_enabled(self, account_id: str, enabled: bool, now: datetime) -> int:
        """`account.updated`: mirror the connected account's payout state on its user."""
        ...
