"""Prometheus metrics on a registry owned by the composition root (no global registry).

Counters and histograms are updated as updates are handled and Telegram/Stripe calls fail;
figures that live in the database (outbox lag, money in escrow) are read when scraped.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.storage.repositories.ops import SqlOpsRepository

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "gigbroker_updates_total",
            "Telegram updates handled, by type",
            ["type"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "gigbroker_duplicate_updates_total",
            "Redelivered updates skipped",
            registry=self.registry,
        )
        self.latency = Histogram(
            "gigbroker_handler_seconds",
            "Time from receiving an update to finishing it",
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.telegram_errors = Counter(
            "gigbroker_telegram_errors_total",
            "Telegram API errors, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.stripe_errors = Counter(
            "gigbroker_stripe_errors_total",
            "Stripe errors, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.outbox_lag = Gauge(
            "gigbroker_outbox_lag_seconds",
            "Age of the oldest due, unsent notification",
            registry=self.registry,
        )
        self.escrow = Gauge(
            "gigbroker_escrow_minor",
            "Money held in escrow, minor units",
            ["currency"],
            registry=self.registry,
        )
        self.journal_unapplied = Gauge(
            "gigbroker_journal_unapplied",
            "Incoming money events stored but not booked (nor refused) yet",
            registry=self.registry,
        )
        self._started: dict[int, float] = {}

    def update_started(self, update_id: int, kind: str) -> None:
        self.updates.labels(kind).inc()
        self._started[update_id] = time.monotonic()

    def update_finished(self, update_id: int) -> None:
        started = self._started.pop(update_id, None)
        if started is not None:
            self.latency.observe(time.monotonic() - started)

    def update_skipped(self, update_id: int) -> None:
        self._started.pop(update_id, None)
        self.duplicates.inc()

    async def refresh(self, ops: SqlOpsRepository, now: datetime | None = None) -> None:
        moment = now or datetime.now(UTC)
        oldest = await ops.oldest_pending_outbox(moment)
        self.outbox_lag.set((moment - oldest).total_seconds() if oldest else 0.0)
        for currency, amount in (await ops.escrow_by_currency()).items():
            self.escrow.labels(currency).set(amount)
        self.journal_unapplied.set(await ops.journal_unapplied())

    def render(self) -> bytes:
        return generate_latest(self.registry)
