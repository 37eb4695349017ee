"""A payment gateway that counts the provider's errors for the metrics, then passes them on.

A decorator around any `PaymentGateway`, built by the composition root, so neither the Stripe
implementation nor the services need to know about metrics.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.errors import PaymentError
from bot.payments.gateway import (
    AccountStatus,
    CardObject,
    PaymentGateway,
    RefundResult,
    TransferResult,
)

T = TypeVar("T")
ErrorCounter = Callable[[str], None]


class MeteredGateway:
    def __init__(self, inner: PaymentGateway, count_error: ErrorCounter) -> None:
        self._inner = inner
        self._count_error = count_error

    async def _counted(self, call: Awaitable[T]) -> T:
        try:
            return await call
        except PaymentError as error:
            self._count_error(type(error).__name__)
            raise

    async def refund(
        self, charge_id: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        return await self._counted(
            self._inner.refund(charge_id, amount_minor, currency, idempotency_key)
        )

    async def create_connected_account(
        self, user_id: int, country: str, email: str | None, idempotency_key: str
    ) -> str:
        return await self._counted(
            self._inner.create_connected_account(user_id, country, email, idempotency_key)
        )

    async def create_onboarding_link(
        self, account_id: str, refresh_url: str, return_url: str, idempotency_key: str
    ) -> str:
        return await self._counted(
            self._inner.create_onboarding_link(
                account_id, refresh_url, return_url, idempotency_key
            )
        )

    async def get_account_status(self, account_id: str) -> AccountStatus:
        return await self._counted(self._inner.get_account_status(account_id))

    async def transfer(
        self,
        amount_minor: int,
        currency: str,
        destination_account: str,
        transfer_group: str,
        source_transaction: str | None,
        idempotency_key: str,
    ) -> TransferResult:
        return await self._counted(
            self._inner.transfer(
                amount_minor,
                currency,
                destination_account,
                transfer_group,
                source_transaction,
                idempotency_key,
            )
        )

    async def list_charges(self, created_since: int | None = None) -> Sequence[CardObject]:
        return await self._counted(self._inner.list_charges(created_since))

    async def list_refunds(self, created_since: int | None = None) -> Sequence[CardObject]:
        return await self._counted(self._inner.list_refunds(created_since))

    async def list_transfers(self, created_since: int | None = None) -> Sequence[CardObject]:
        return await self._counted(self._inner.list_transfers(created_since))

    async def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            await close()
