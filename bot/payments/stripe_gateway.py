"""`PaymentGateway` on Stripe, through stripe-python's async `StripeClient`.

The one place that knows Stripe's parameter names and error classes. Every write carries the
caller's idempotency key, so stripe-python's own network retries and our later retries of a
failed job replay the first answer instead of moving money twice. Stripe's errors are mapped
onto the two cases a service can act on: declined (do not retry) and unavailable (retry later).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import stripe

from bot.payments.gateway import (
    AccountStatus,
    CardObject,
    IdempotencyConflict,
    PaymentDeclined,
    PaymentUnavailable,
    RefundResult,
    TransferResult,
    check_card_amount,
    check_idempotency_key,
)

T = TypeVar("T")


class StripeGateway:
    """Stripe behind the `PaymentGateway` protocol; close it (or use `async with`) when done.

    `api_base` points every endpoint (API and Connect) at another server, such as the local
    stand-in of `telegram_sim.stripe_connect` in tests and the demo.
    """

    def __init__(
        self,
        secret_key: str,
        api_base: str | None = None,
        max_network_retries: int = 2,
        timeout_s: float = 30.0,
    ) -> None:
        self._http_client = stripe.HTTPXClient(timeout=timeout_s)
        base = api_base.rstrip("/") if api_base is not None else None
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": base, "connect": base} if base is not None else None,
            max_network_retries=max_network_retries,
            http_client=self._http_client,
        )

    async def close(self) -> None:
        """Release the HTTP connection pool."""
        await self._http_client.close_async()  # type: ignore[no-untyped-call]

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def refund(
        self, charge_id: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        check_card_amount(amount_minor, currency)
        check_idempotency_key(idempotency_key)
        # Stripe refunds in the charge's currency whatever we believe it is; a ledger that
        # disagrees must stop here. The currency of a charge never changes, so this read does
        # not break the replay of a retried refund.
        charge = await _call(self._client.v1.charges.retrieve_async(charge_id))
        if charge.currency.upper() != currency.upper():
            raise PaymentDeclined(
                detail=f"charge {charge_id} is in {charge.currency}, not {currency.lower()}",
                code="currency_mismatch",
                param="currency",
            )
        refund = await _call(
            self._client.v1.refunds.create_async(
                {"charge": charge_id, "amount": amount_minor},
                {"idempotency_key": idempotency_key},
            )
        )
        return RefundResult(refund_id=refund.id, status=refund.status or "pending")

    async def create_connected_account(
        self, user_id: int, country: str, email: str | None, idempotency_key: str
    ) -> str:
        check_idempotency_key(idempotency_key)
        params: stripe.params.AccountCreateParams = {
            "type": "express",
            "country": country.upper(),
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"user_id": str(user_id)},
        }
        if email is not None:
            params["email"] = email
        account = await _call(
            self._client.v1.accounts.create_async(params, {"idempotency_key": idempotency_key})
        )
        return account.id

    async def create_onboarding_link(
        self, account_id: str, refresh_url: str, return_url: str, idempotency_key: str
    ) -> str:
        check_idempotency_key(idempotency_key)
        link = await _call(
            self._client.v1.account_links.create_async(
                {
                    "account": account_id,
                    "refresh_url": refresh_url,
                    "return_url": return_url,
                    "type": "account_onboarding",
                },
                {"idempotency_key": idempotency_key},
            )
        )
        return link.url

    async def get_account_status(self, account_id: str) -> AccountStatus:
        account = await _call(self._client.v1.accounts.retrieve_async(account_id))
        return AccountStatus(
            account_id=account.id,
            details_submitted=bool(account.details_submitted),
            charges_enabled=bool(account.charges_enabled),
            payouts_enabled=bool(account.payouts_enabled),
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
        check_card_amount(amount_minor, currency)
        check_idempotency_key(idempotency_key)
        params: stripe.params.TransferCreateParams = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "destination": destination_account,
            "transfer_group": transfer_group,
        }
        if source_transaction is not None:
            params["source_transaction"] = source_transaction
        transfer = await _call(
            self._client.v1.transfers.create_async(params, {"idempotency_key": idempotency_key})
        )
        return TransferResult(transfer_id=transfer.id)

    async def list_charges(self, created_since: int | None = None) -> Sequence[CardObject]:
        params: Any = _list_params(created_since)
        page = await _call(self._client.v1.charges.list_async(params))
        return [
            CardObject(
                "charge", c.id, int(c.amount), c.currency.upper(), int(c.created),
                metadata=_metadata(c.metadata), description=c.description or "",
            )
            async for c in _every(page)
            if c.status == "succeeded" and c.paid
        ]  # fmt: skip

    async def list_refunds(self, created_since: int | None = None) -> Sequence[CardObject]:
        params: Any = _list_params(created_since)
        page = await _call(self._client.v1.refunds.list_async(params))
        return [
            CardObject(
                "refund", r.id, int(r.amount), r.currency.upper(), int(r.created),
                charge_id=_id_of(r.charge), metadata=_metadata(r.metadata),
            )
            async for r in _every(page)
            if r.status not in ("failed", "canceled")
        ]  # fmt: skip

    async def list_transfers(self, created_since: int | None = None) -> Sequence[CardObject]:
        params: Any = _list_params(created_since)
        page = await _call(self._client.v1.transfers.list_async(params))
        return [
            CardObject(
                "transfer", t.id, int(t.amount), t.currency.upper(), int(t.created),
                charge_id=_id_of(t.source_transaction), metadata=_metadata(t.metadata),
                description=t.transfer_group or "",
            )
            async for t in _every(page)
        ]  # fmt: skip


def _list_params(created_since: int | None) -> dict[str, Any]:
    """100 a page (Stripe's most); `created[gt]` (since - 1), which Stripe and localstripe
    both understand, rather than `gte`."""
    params: dict[str, Any] = {"limit": 100}
    if created_since is not None:
        params["created"] = {"gt": created_since - 1}
    return params


S = TypeVar("S", bound=stripe.StripeObject)


async def _every(page: stripe.ListObject[S]) -> AsyncIterator[S]:
    """Every object of a list, following `has_more` page by page, errors translated."""
    iterator = page.auto_paging_iter().__aiter__()
    while True:
        try:
            item = await _call(iterator.__anext__())
        except StopAsyncIteration:
            return
        yield item


def _metadata(metadata: object) -> dict[str, str]:
    """Stripe metadata (a StripeObject or a dict) as plain strings."""
    if metadata is None:
        return {}
    items: Any = metadata.items() if hasattr(metadata, "items") else ()
    return {str(key): str(value) for key, value in items}


def _id_of(value: object) -> str | None:
    """The id of an expandable field (a string, or the expanded object)."""
    if value is None:
        return None
    return value if isinstance(value, str) else str(getattr(value, "id", "")) or None


async def _call(request: Awaitable[T]) -> T:
    """Await one Stripe request and translate its failure into our hierarchy."""
    try:
        return await request
    except stripe.IdempotencyError as exc:
        raise IdempotencyConflict(detail=_detail(exc), code="idempotency_error") from exc
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        # stripe-python already retried these max_network_retries times.
        raise PaymentUnavailable(detail=_detail(exc)) from exc
    except (stripe.CardError, stripe.InvalidRequestError) as exc:
        raise PaymentDeclined(detail=_detail(exc), code=exc.code, param=exc.param) from exc
    except stripe.StripeError as exc:
        # Authentication, permission and the rarer v2 errors: a retry will not help.
        raise PaymentDeclined(detail=_detail(exc), code=exc.code) from exc


def _detail(exc: stripe.StripeError) -> str:
    status = f"HTTP {exc.http_status}: " if exc.http_status else ""
    return f"{type(exc).__name__}: {status}{exc.user_message or str(exc)}"
