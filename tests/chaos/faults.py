"""Faults raised once, at a chosen point: a database statement or commit, or a provider call.

Why one counter for both: a money path is a sequence of statements and provider calls, and the
suite wants to break it at each of them in turn. A dry run with nothing armed counts the points
(`Injector.seen`); each later run arms one index and the point that reaches it raises instead of
happening. Database points hook SQLAlchemy's engine events (`before_cursor_execute` and
`commit` on the store's engine), so nothing in `bot/` changes; provider points wrap the fake
gateway and the Stars refunder, which the services receive through their constructors.

What is raised is what production sees: SQLite's "database is locked", a dropped connection,
PostgreSQL's serialization failure, a timeout; Stripe or Telegram answering 5xx before doing
anything, or timing out after they did it (the nastiest case: money moved, no answer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.payments.fake_gateway import FakePaymentGateway
from bot.payments.gateway import (
    AccountStatus,
    CardObject,
    PaymentUnavailable,
    RefundResult,
    TransferResult,
)
from bot.payments.stars import StarsRefunder


class Fault(StrEnum):
    locked = "database is locked"
    connection_lost = "connection lost"
    serialization = "serialization failure"
    timeout = "statement timeout"
    provider_5xx = "provider 5xx (nothing done)"
    provider_timeout = "provider timeout (done, answer lost)"


DB_FAULTS = (Fault.locked, Fault.connection_lost, Fault.serialization, Fault.timeout)
PROVIDER_FAULTS = (Fault.provider_5xx, Fault.provider_timeout)


class _DriverError(Exception):
    """Stands for the driver's own exception inside SQLAlchemy's wrapper."""


def db_error(fault: Fault, statement: str) -> BaseException:
    """The exception a driver would surface for `fault` at `statement`."""
    if fault is Fault.locked:
        return OperationalError(statement, None, _DriverError("database is locked"))
    if fault is Fault.connection_lost:
        return DBAPIError(
            statement,
            None,
            _DriverError("connection was closed in the middle of operation"),
            connection_invalidated=True,
        )
    if fault is Fault.serialization:
        return OperationalError(
            statement,
            None,
            _DriverError("could not serialize access due to concurrent update"),
        )
    return TimeoutError(f"chaos: {statement[:60]} timed out")


@dataclass(frozen=True)
class Point:
    """One place a path can break: `source` is db or provider, `label` what ran there."""

    source: str
    label: str


@dataclass
class Injector:
    """Counts the points a run passes; raises once at the armed index.

    `active` limits counting to the work under test (e.g. one update's handler): statements
    of background tasks that happen to run meanwhile are neither counted nor broken.
    """

    active: Callable[[], bool] = lambda: True
    seen: list[Point] = field(default_factory=list)
    armed_at: int | None = None
    fault: Fault | None = None
    fired: Point | None = None
    counting: bool = False

    def start(self, at: int | None = None, fault: Fault | None = None) -> None:
        self.seen, self.armed_at, self.fault, self.fired = [], at, fault, None
        self.counting = True

    def stop(self) -> list[Point]:
        self.counting = False
        return self.seen

    def reached(self, point: Point) -> bool:
        """Count `point`; True when it is the one to break (at most once per run)."""
        if not self.counting or not self.active():
            return False
        index = len(self.seen)
        self.seen.append(point)
        if self.armed_at == index and self.fired is None:
            self.fired = point
            return True
        return False

    # -- database ------------------------------------------------------------------------------

    def attach(self, engine: AsyncEngine) -> None:
        """Hook every statement and every commit of `engine` (for the engine's lifetime)."""
        sync_engine = engine.sync_engine

        def before_cursor_execute(
            _conn: Any, _cursor: Any, statement: str, *_args: Any, **_kw: Any
        ) -> None:
            if self.reached(Point("db", _label(statement))):
                raise db_error(self._db_fault(), statement)

        def before_commit(_conn: Any) -> None:
            if self.reached(Point("db", "COMMIT")):
                raise db_error(self._db_fault(), "COMMIT")

        event.listen(sync_engine, "before_cursor_execute", before_cursor_execute)
        event.listen(sync_engine, "commit", before_commit)

    def _db_fault(self) -> Fault:
        if self.fault in DB_FAULTS:
            assert self.fault is not None
            return self.fault
        return Fault.locked

    def provider_fault(self) -> Fault:
        if self.fault is not None and self.fault in PROVIDER_FAULTS:
            return self.fault
        return Fault.provider_5xx


def _label(statement: str) -> str:
    words = " ".join(statement.split()).split(" ")
    verb = words[0].upper() if words else "?"
    table = next(
        (words[i + 1] for i, w in enumerate(words[:-1]) if w.upper() in ("FROM", "INTO", "UPDATE")),
        "",
    )
    if verb == "UPDATE" and len(words) > 1:
        table = words[1]
    return f"{verb} {table.strip(chr(34))}".strip()


class FlakyGateway:
    """The fake gateway behind the injector: a provider call breaks before or after its effect.

    Every call that reached the inner gateway's money (refund, transfer) is what the provider
    did; the audit reads those from the inner fake, never from what the service believed.
    """

    def __init__(self, inner: FakePaymentGateway, injector: Injector) -> None:
        self.inner = inner
        self._injector = injector

    async def _call(self, name: str, run: Callable[[], Any]) -> Any:
        if not self._injector.reached(Point("provider", f"stripe.{name}")):
            return await run()
        fault = self._injector.provider_fault()
        if fault is Fault.provider_timeout:
            await run()  # Stripe did it; the answer never came back
            raise PaymentUnavailable(detail=f"chaos: {name} timed out")
        raise PaymentUnavailable(detail=f"chaos: {name} answered 503")

    async def refund(
        self, charge_id: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        result: RefundResult = await self._call(
            "refund",
            lambda: self.inner.refund(charge_id, amount_minor, currency, idempotency_key),
        )
        return result

    async def create_connected_account(
        self, user_id: int, country: str, email: str | None, idempotency_key: str
    ) -> str:
        return await self.inner.create_connected_account(user_id, country, email, idempotency_key)

    async def create_onboarding_link(
        self, account_id: str, refresh_url: str, return_url: str, idempotency_key: str
    ) -> str:
        return await self.inner.create_onboarding_link(
            account_id, refresh_url, return_url, idempotency_key
        )

    async def get_account_status(self, account_id: str) -> AccountStatus:
        return await self.inner.get_account_status(account_id)

    async def transfer(
        self,
        amount_minor: int,
        currency: str,
        destination_account: str,
        transfer_group: str,
        source_transaction: str | None,
        idempotency_key: str,
    ) -> TransferResult:
        result: TransferResult = await self._call(
            "transfer",
            lambda: self.inner.transfer(
                amount_minor,
                currency,
                destination_account,
                transfer_group,
                source_transaction,
                idempotency_key,
            ),
        )
        return result

    # Reading the provider's record is never broken: reconcile and the audit read through it.
    async def list_charges(self, created_since: int | None = None) -> Sequence[CardObject]:
        return await self.inner.list_charges(created_since)

    async def list_refunds(self, created_since: int | None = None) -> Sequence[CardObject]:
        return await self.inner.list_refunds(created_since)

    async def list_transfers(self, created_since: int | None = None) -> Sequence[CardObject]:
        return await self.inner.list_transfers(created_since)


@dataclass
class StarsLedger:
    """What Telegram did with Stars refunds: every refund that took effect, in order.

    Telegram refuses a second refund of one charge (CHARGE_ALREADY_REFUNDED), and the bot
    counts that as done; `effects` records each call that actually gave Stars back.
    """

    effects: list[str] = field(default_factory=list)

    def refunded(self, charge_id: str) -> bool:
        return charge_id in self.effects


class FlakyStars:
    """A Stars refunder playing Telegram, behind the injector."""

    def __init__(self, injector: Injector, telegram: StarsLedger) -> None:
        self._injector = injector
        self.telegram = telegram

    async def refund(self, user_id: int, telegram_charge_id: str) -> None:
        broken = self._injector.reached(Point("provider", "telegram.refundStarPayment"))
        fault = self._injector.provider_fault() if broken else None
        if fault is Fault.provider_5xx:
            raise PaymentUnavailable(detail="chaos: refundStarPayment answered 502")
        if not self.telegram.refunded(telegram_charge_id):
            self.telegram.effects.append(telegram_charge_id)
        if fault is Fault.provider_timeout:
            raise PaymentUnavailable(detail="chaos: refundStarPayment timed out")


def _check_protocol(stars: FlakyStars) -> StarsRefunder:
    return stars
