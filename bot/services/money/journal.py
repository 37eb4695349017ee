"""The payment journal: every incoming money event is stored raw first, then applied.

Why: booking a payment can fail for reasons that have nothing to do with the payment (a
dropped connection, a locked database, a failover, a killed process). Money that arrived must
never depend on that booking succeeding the first time. So intake is two steps:

1. `store`: the event, raw, keyed by the provider's id (a Telegram charge id, a Stripe event
   id), in its own small transaction. Once this returned, the event cannot be lost.
2. `apply`: the existing service books it (`PaymentService.confirm_payment`,
   `TipService.record`, `StripeWebhookService.apply`, each idempotent on the provider's id),
   then the row is marked applied. A domain refusal (`GigBrokerError`) marks it refused, with
   the reason; anything else counts a failed attempt, sets the next attempt with back-off, and
   leaves the row for `apply_pending` (the sweep).

The mark is written after the booking's own unit of work: a crash between the two leaves a
booked but unmarked row, which the sweep applies again; the services' idempotence turns that
into a no-op, and the row is marked. After `journal_alert_after` failed attempts operators get
one alert naming the row. Rows are never deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from bot.clock import Clock
from bot.errors import GigBrokerError
from bot.i18n.markers import N_
from bot.services.money.journal_ports import JournalEntry
from bot.services.orders.steps import alert_operators
from bot.services.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)

TELEGRAM, STRIPE = "telegram", "stripe"
ORDER_PAYMENT, TIP_PAYMENT, STRIPE_EVENT = "order_payment", "tip_payment", "stripe_event"
TELEGRAM_REFUND = "telegram_refund"  # a `refunded_payment`: keyed by "refund:<charge id>"

RETRY_FIRST = timedelta(seconds=10)
RETRY_MAX = timedelta(hours=1)
SWEEP_BATCH = 100

# Books one stored event; raises a `GigBrokerError` when a domain rule refuses it.
Applier = Callable[[Mapping[str, Any]], Awaitable[object]]


class JournalOutcome(StrEnum):
    applied = "applied"  # booked now (or found booked: the services are idempotent)
    already = "already"  # the row was applied or refused before; nothing done
    refused = "refused"  # a domain rule refused it; the reason is on the row
    failed = "failed"  # it raised something else; the sweep tries again


class JournalWriteFailed(Exception):
    """An event could not be stored: nothing guards it yet, so its delivery must be repeated
    (an update stays unfinished however often this happens)."""


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the `attempts`-th failure: 10 s, 20 s, 40 s, ... at most an hour."""
    delay: timedelta = RETRY_FIRST * (2 ** max(0, min(attempts - 1, 20)))
    return min(delay, RETRY_MAX)


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True)
class JournalConfig:
    """What the payment journal needs of the settings (filled by `bot.bootstrap.config_of`)."""

    #: operators: they get the alerts and may act as one
    admin_ids: tuple[int, ...]
    #: failed applications of a row before operators hear of it
    journal_alert_after: int


class JournalService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, config: JournalConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config
        self._appliers: dict[str, Applier] = {}

    def register(self, kind: str, applier: Applier) -> None:
        """How rows of `kind` are booked (the composition root wires the services)."""
        self._appliers[kind] = applier

    async def store(
        self, source: str, external_id: str, kind: str, payload: Mapping[str, Any]
    ) -> JournalEntry:
        """Write the event unless it is there already (its own transaction); the stored row."""
        try:
            async with self._uow() as uow:
                await uow.journal.add(source, external_id, kind, payload, self._clock.now())
                entry = await uow.journal.get(source, external_id)
        except Exception as error:
            raise JournalWriteFailed(f"{kind} {external_id}: {describe(error)}") from error
        assert entry is not None  # written just now or before, in a committed transaction
        return entry

    async def apply_now(self, entry: JournalEntry) -> JournalOutcome:
        """Apply a row as it arrives; re-raises what the application raised, after recording
        it (a refusal is shown to the user, anything else leaves the update unfinished)."""
        return await self._apply(entry, reraise=True)

    async def apply_pending(self, limit: int = SWEEP_BATCH) -> int:
        """The sweep: apply every due row; how many were applied or refused."""
        async with self._uow(read_only=True) as uow:
            due = await uow.journal.due(self._clock.now(), limit)
        done = 0
        for entry in due:
            outcome = await self._apply(entry, reraise=False)
            done += outcome in (JournalOutcome.applied, JournalOutcome.refused)
        return done

    async def unapplied_count(self) -> int:
        """Rows neither applied nor refused (a health figure, and what tests assert on)."""
        async with self._uow(read_only=True) as uow:
            return await uow.journal.unapplied_count()

    async def get(self, source: str, external_id: str) -> JournalEntry | None:
        async with self._uow(read_only=True) as uow:
            return await uow.journal.get(source, external_id)

    async def _apply(self, entry: JournalEntry, *, reraise: bool) -> JournalOutcome:
        if entry.settled:
            return JournalOutcome.already
        applier = self._appliers.get(entry.kind)
        try:
            if applier is None:
                raise LookupError(f"no applier for journal kind {entry.kind!r}")
            await applier(entry.payload)
        except GigBrokerError as refusal:
            await self._refused(entry, refusal)
            if reraise:
                raise
            return JournalOutcome.refused
        except Exception as error:
            await self._failed(entry, error)
            if reraise:
                raise
            return JournalOutcome.failed
        try:
            async with self._uow() as uow:
                await uow.journal.mark_applied(entry.id, self._clock.now())
        except Exception:  # booked; the sweep re-applies (a no-op) and marks it
            log.warning("journal row %s applied but not marked", entry.id, exc_info=True)
        return JournalOutcome.applied

    async def _refused(self, entry: JournalEntry, refusal: GigBrokerError) -> None:
        reason = refusal.render_untranslated()
        log.info("journal row %s (%s) refused: %s", entry.id, entry.kind, reason)
        try:
            async with self._uow() as uow:
                await uow.journal.mark_refused(entry.id, reason, self._clock.now())
        except Exception:  # the sweep meets the same refusal again and marks it then
            log.warning("journal row %s refused but not marked", entry.id, exc_info=True)

    async def _failed(self, entry: JournalEntry, error: Exception) -> None:
        """Count the failure, schedule the next attempt, alert once after too many."""
        log.warning(
            "journal row %s (%s %s) failed to apply: %s",
            entry.id, entry.kind, entry.external_id, describe(error),
        )  # fmt: skip
        try:
            now = self._clock.now()
            async with self._uow() as uow:
                attempts = await uow.journal.record_failure(
                    entry.id, describe(error), now + retry_delay(entry.attempts + 1)
                )
                if (
                    attempts >= self._config.journal_alert_after
                    and await uow.journal.mark_alerted(entry.id, now)
                ):
                    await alert_operators(
                        uow,
                        self._config.admin_ids,
                        now,
                        N_(
                            "Money event #{entry} ({kind} {external_id}, received {received}) "
                            "failed to apply {attempts} times; last error: {error}. It is "
                            "retried automatically; please look into it."
                        ),
                        f"journal:{entry.id}",
                        entry=entry.id,
                        kind=entry.kind,
                        external_id=entry.external_id,
                        received=entry.received_at.strftime("%Y-%m-%d %H:%M UTC"),
                        attempts=attempts,
                        error=describe(error)[:300],
                    )
        except Exception:  # the row stays due: the sweep counts the next failure
            log.warning("journal row %s: could not record the failure", entry.id, exc_info=True)
