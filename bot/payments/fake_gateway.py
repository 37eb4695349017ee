"""An in-memory `PaymentGateway` for unit tests of the services.

It follows the same rules as Stripe (as exercised by the shared contract tests): idempotency
keys replay the first result and refuse reuse with other parameters, refunds cannot exceed the
charge, transfers need an onboarded destination and a source charge in the same currency. It
records every call so a test can assert what a service asked for, and can be told to fail the
next call to test the service's error paths.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.errors import PaymentError
from bot.payments.gateway import (
    AccountStatus,
    CardObject,
    IdempotencyConflict,
    PaymentDeclined,
    RefundResult,
    TransferResult,
    check_card_amount,
    check_idempotency_key,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GatewayCall:
    """One call as the service made it, including calls that failed or were replayed."""

    operation: str
    params: dict[str, Any]


@dataclass(slots=True)
class FakeCharge:
    charge_id: str
    amount_minor: int
    currency: str
    refunded_minor: int = 0
    transferred_minor: int = 0
    created: int = 0
    metadata: dict[str, str] = field(default_factory=dict)
    description: str = ""


@dataclass(slots=True)
class FakeAccount:
    account_id: str
    user_id: int
    country: str
    email: str | None
    details_submitted: bool = False
    charges_enabled: bool = False
    payouts_enabled: bool = False
    onboarding_links: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FakeRefund:
    refund_id: str
    charge_id: str
    amount_minor: int
    currency: str
    created: int = 0


@dataclass(frozen=True, slots=True)
class FakeTransfer:
    transfer_id: str
    amount_minor: int
    currency: str
    destination: str
    transfer_group: str
    source_transaction: str | None
    created: int = 0


@dataclass(slots=True)
class _PendingFailure:
    error: PaymentError
    operation: str | None


@dataclass(frozen=True, slots=True)
class _Saved:
    operation: str
    params: dict[str, Any]
    result: Any


class FakePaymentGateway:
    """Deterministic ids (`ch_fake_1`, `re_fake_1`, ...), state in plain dicts for assertions."""

    def __init__(self) -> None:
        self.calls: list[GatewayCall] = []
        self.charges: dict[str, FakeCharge] = {}
        self.accounts: dict[str, FakeAccount] = {}
        self.refunds: dict[str, FakeRefund] = {}
        self.transfers: dict[str, FakeTransfer] = {}
        self._failures: deque[_PendingFailure] = deque()
        self._saved: dict[str, _Saved] = {}
        self._ids = itertools.count(1)
        #: Unix time stamped on new objects (`created`); a test may set its own clock.
        self.now: Callable[[], int] = lambda: int(time.time())

    # -- control API for tests -------------------------------------------------------------

    def create_charge(
        self,
        amount_minor: int,
        currency: str,
        metadata: Mapping[str, str] | None = None,
        description: str = "",
    ) -> str:
        """A succeeded card charge, as Telegram's Stripe invoice would leave it; returns its id."""
        check_card_amount(amount_minor, currency)
        charge_id = f"ch_fake_{next(self._ids)}"
        self.charges[charge_id] = FakeCharge(
            charge_id, amount_minor, currency.upper(), created=self.now(),
            metadata=dict(metadata or {}), description=description,
        )  # fmt: skip
        return charge_id

    def complete_onboarding(self, account_id: str) -> None:
        """What the freelancer finishing Stripe's onboarding form does to the account."""
        account = self._account(account_id, param="account")
        account.details_submitted = True
        account.charges_enabled = True
        account.payouts_enabled = True

    def fail_next(self, error: PaymentError, operation: str | None = None) -> None:
        """Make the next call (of `operation`, if given) raise `error` with no effect.

        Queued failures fire in order; a failed call saves nothing under its idempotency key,
        so the retry with the same key goes through, as with a network failure at Stripe.
        """
        self._failures.append(_PendingFailure(error, operation))

    def calls_of(self, operation: str) -> list[GatewayCall]:
        return [call for call in self.calls if call.operation == operation]

    # -- PaymentGateway --------------------------------------------------------------------

    async def refund(
        self, charge_id: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        params = {"charge_id": charge_id, "amount_minor": amount_minor, "currency": currency}
        replayed = self._begin("refund", params, idempotency_key)
        if replayed is not None:
            assert isinstance(replayed, RefundResult)
            return replayed
        check_card_amount(amount_minor, currency)
        charge = self.charges.get(charge_id)
        if charge is None:
            raise _missing("charge", charge_id)
        if charge.currency != currency.upper():
            raise PaymentDeclined(
                detail=f"charge {charge_id} is in {charge.currency}, not {currency.upper()}",
                code="currency_mismatch",
                param="currency",
            )
        remaining = charge.amount_minor - charge.refunded_minor
        if remaining == 0:
            raise PaymentDeclined(
                detail=f"charge {charge_id} has already been refunded",
                code="charge_already_refunded",
                param="charge",
            )
        if amount_minor > remaining:
            raise PaymentDeclined(
                detail=f"refund {amount_minor} is greater than unrefunded {remaining}",
                code="amount_too_large",
                param="amount",
            )
        charge.refunded_minor += amount_minor
        refund_id = f"re_fake_{next(self._ids)}"
        self.refunds[refund_id] = FakeRefund(
            refund_id, charge_id, amount_minor, charge.currency, self.now()
        )
        return self._save(
            idempotency_key, "refund", params, RefundResult(refund_id=refund_id, status="succeeded")
        )

    async def create_connected_account(
        self, user_id: int, country: str, email: str | None, idempotency_key: str
    ) -> str:
        params = {"user_id": user_id, "country": country, "email": email}
        replayed = self._begin("create_connected_account", params, idempotency_key)
        if replayed is not None:
            assert isinstance(replayed, str)
            return replayed
        if len(country) != 2 or not country.isalpha():
            raise PaymentDeclined(
                detail=f"country must be a 2-letter code, got {country!r}",
                code="parameter_invalid",
                param="country",
            )
        account_id = f"acct_fake_{next(self._ids)}"
        self.accounts[account_id] = FakeAccount(account_id, user_id, country.upper(), email)
        return self._save(idempotency_key, "create_connected_account", params, account_id)

    async def create_onboarding_link(
        self, account_id: str, refresh_url: str, return_url: str, idempotency_key: str
    ) -> str:
        params = {"account_id": account_id, "refresh_url": refresh_url, "return_url": return_url}
        replayed = self._begin("create_onboarding_link", params, idempotency_key)
        if replayed is not None:
            assert isinstance(replayed, str)
            return replayed
        for name, url in (("refresh_url", refresh_url), ("return_url", return_url)):
            if not url.startswith(("http://", "https://")):
                raise PaymentDeclined(
                    detail=f"{name} must be an http(s) URL", code="url_invalid", param=name
                )
        account = self._account(account_id, param="account")
        url = f"https://connect.fake.test/setup/e/{account_id}/{next(self._ids)}"
        account.onboarding_links.append(url)
        return self._save(idempotency_key, "create_onboarding_link", params, url)

    async def get_account_status(self, account_id: str) -> AccountStatus:
        self.calls.append(GatewayCall("get_account_status", {"account_id": account_id}))
        self._maybe_fail("get_account_status")
        account = self._account(account_id, param="account")
        return AccountStatus(
            account_id=account.account_id,
            details_submitted=account.details_submitted,
            charges_enabled=account.charges_enabled,
            payouts_enabled=account.payouts_enabled,
        )

    async def transfer(
        self,
        amount_minor: int,
        currency: str,
        destination_account: str,
        transfer_group: str,
        source_transaction: str | None,
        idempotency_key: str,
    ) -> TransferResult:
        params = {
            "amount_minor": amount_minor,
            "currency": currency,
            "destination_account": destination_account,
            "transfer_group": transfer_group,
            "source_transaction": source_transaction,
        }
        replayed = self._begin("transfer", params, idempotency_key)
        if replayed is not None:
            assert isinstance(replayed, TransferResult)
            return replayed
        check_card_amount(amount_minor, currency)
        destination = self._account(destination_account, param="destination")
        if not destination.payouts_enabled:
            raise PaymentDeclined(
                detail=f"destination {destination_account} has not completed onboarding",
                code="insufficient_capabilities_for_transfer",
                param="destination",
            )
        if source_transaction is not None:
            charge = self.charges.get(source_transaction)
            if charge is None:
                raise _missing("source_transaction", source_transaction)
            if charge.currency != currency.upper():
                raise PaymentDeclined(
                    detail=f"source charge is in {charge.currency}, not {currency.upper()}",
                    code="currency_mismatch",
                    param="currency",
                )
            available = charge.amount_minor - charge.transferred_minor
            if amount_minor > available:
                raise PaymentDeclined(
                    detail=f"transfer {amount_minor} exceeds {available} left on the charge",
                    code="amount_too_large",
                    param="amount",
                )
            charge.transferred_minor += amount_minor
        transfer_id = f"tr_fake_{next(self._ids)}"
        self.transfers[transfer_id] = FakeTransfer(
            transfer_id,
            amount_minor,
            currency.upper(),
            destination_account,
            transfer_group,
            source_transaction,
            self.now(),
        )
        return self._save(
            idempotency_key, "transfer", params, TransferResult(transfer_id=transfer_id)
        )

    async def list_charges(self, created_since: int | None = None) -> Sequence[CardObject]:
        self.calls.append(GatewayCall("list_charges", {"created_since": created_since}))
        self._maybe_fail("list_charges")
        return [
            CardObject("charge", c.charge_id, c.amount_minor, c.currency, c.created,
                       metadata=dict(c.metadata), description=c.description)
            for c in self.charges.values()
            if created_since is None or c.created >= created_since
        ]  # fmt: skip

    async def list_refunds(self, created_since: int | None = None) -> Sequence[CardObject]:
        self.calls.append(GatewayCall("list_refunds", {"created_since": created_since}))
        self._maybe_fail("list_refunds")
        return [
            CardObject("refund", r.refund_id, r.amount_minor, r.currency, r.created,
                       charge_id=r.charge_id)
            for r in self.refunds.values()
            if created_since is None or r.created >= created_since
        ]  # fmt: skip

    async def list_transfers(self, created_since: int | None = None) -> Sequence[CardObject]:
        self.calls.append(GatewayCall("list_transfers", {"created_since": created_since}))
        self._maybe_fail("list_transfers")
        return [
            CardObject("transfer", t.transfer_id, t.amount_minor, t.currency, t.created,
                       charge_id=t.source_transaction, description=t.transfer_group)
            for t in self.transfers.values()
            if created_since is None or t.created >= created_since
        ]  # fmt: skip

    # -- internals -------------------------------------------------------------------------

    def _begin(self, operation: str, params: dict[str, Any], idempotency_key: str) -> object:
        """Record the call, fire a queued failure, and return the saved result of a replay."""
        self.calls.append(GatewayCall(operation, {**params, "idempotency_key": idempotency_key}))
        self._maybe_fail(operation)
        check_idempotency_key(idempotency_key)
        saved = self._saved.get(idempotency_key)
        if saved is None:
            return None
        if saved.operation != operation or saved.params != params:
            raise IdempotencyConflict(
                detail=f"key {idempotency_key!r} was first used with other parameters",
                code="idempotency_error",
            )
        return saved.result

    def _save(self, idempotency_key: str, operation: str, params: dict[str, Any], result: T) -> T:
        self._saved[idempotency_key] = _Saved(operation, params, result)
        return result

    def _maybe_fail(self, operation: str) -> None:
        for pending in self._failures:
            if pending.operation is None or pending.operation == operation:
                self._failures.remove(pending)
                raise pending.error

    def _account(self, account_id: str, *, param: str) -> FakeAccount:
        account = self.accounts.get(account_id)
        if account is None:
            raise _missing(param, account_id)
        return account


def _missing(param: str, object_id: str) -> PaymentDeclined:
    return PaymentDeclined(
        detail=f"No such {param}: '{object_id}'", code="resource_missing", param=param
    )
