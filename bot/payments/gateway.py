"""What the services need from a card payment provider, and nothing more.

Services talk to a `PaymentGateway`, never to Stripe, so that the escrow rules can be tested
against `FakePaymentGateway` and the real provider can be swapped or emulated. Every call that
moves money or creates something takes an idempotency key derived from the ledger transaction:
a retry after a crash or a timeout replays the first answer instead of paying twice.

Amounts are integers in minor units with an upper-case ISO currency code, as in the domain's
`Money`; the gateway lower-cases the code for Stripe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from bot.errors import PaymentError
from bot.i18n.markers import N_

TELEGRAM_STARS = "XTR"


class PaymentDeclined(PaymentError):
    """The provider refused the request (bad card, unknown charge, invalid parameters).

    Retrying the same request gives the same answer, so it is not retryable. `detail`, `code`
    and `param` carry the provider's own words for the operator's log; the user only sees the
    translated default message.
    """

    default_message = N_("The payment provider refused the operation.")
    retryable = False

    def __init__(
        self,
        message: str | None = None,
        *,
        detail: str = "",
        code: str | None = None,
        param: str | None = None,
        **params: Any,
    ) -> None:
        self.detail = detail
        self.code = code
        self.param = param
        super().__init__(message, **params)

    def __str__(self) -> str:
        base = self.render_untranslated()
        extra = ", ".join(
            f"{name}={value}"
            for name, value in (("code", self.code), ("param", self.param))
            if value
        )
        details = " ".join(part for part in (self.detail, f"({extra})" if extra else "") if part)
        return f"{base} [{details}]" if details else base


class IdempotencyConflict(PaymentDeclined):
    """An idempotency key was reused with different parameters: a bug in key derivation."""


class PaymentUnavailable(PaymentError):
    """The provider could not be reached or asked us to slow down, even after retries.

    Nothing is known to have happened; retrying later with the same idempotency key is safe.
    """

    default_message = N_("The payment provider is not reachable. Please try again later.")
    retryable = True

    def __init__(self, message: str | None = None, *, detail: str = "", **params: Any) -> None:
        self.detail = detail
        super().__init__(message, **params)

    def __str__(self) -> str:
        base = self.render_untranslated()
        return f"{base} [{self.detail}]" if self.detail else base


@dataclass(frozen=True, slots=True)
class RefundResult:
    """A refund the provider accepted; `status` is the provider's (e.g. "succeeded", "pending")."""

    refund_id: str
    status: str


@dataclass(frozen=True, slots=True)
class AccountStatus:
    """Where a freelancer's connected account stands in onboarding."""

    account_id: str
    details_submitted: bool
    charges_enabled: bool
    payouts_enabled: bool

    @property
    def can_receive_payouts(self) -> bool:
        """True once transfers to this account can be made and paid out."""
        return self.details_submitted and self.payouts_enabled


@dataclass(frozen=True, slots=True)
class TransferResult:
    transfer_id: str


CardObjectKind = Literal["charge", "refund", "transfer"]


@dataclass(frozen=True, slots=True)
class CardObject:
    """A charge, refund or transfer as the provider lists it, for `reconcile`.

    `currency` is upper-case like the domain's; `created` is Unix time. Only objects that moved
    money are listed: succeeded charges, refunds not failed or cancelled, every transfer.
    `charge_id` is a refund's charge; `metadata` and `description` are the provider's, which
    is how a charge the ledger lacks may still name its order.
    """

    kind: CardObjectKind
    object_id: str
    amount_minor: int
    currency: str
    created: int
    charge_id: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    description: str = ""


@runtime_checkable
class PaymentGateway(Protocol):
    """Refunds, Connect onboarding and payouts, each idempotent on the caller's key."""

    async def refund(
        self, charge_id: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        """Refund `amount_minor` of a card charge (partial refunds allowed)."""
        ...

    async def create_connected_account(
        self, user_id: int, country: str, email: str | None, idempotency_key: str
    ) -> str:
        """Create an Express account for our user; returns the account id."""
        ...

    async def create_onboarding_link(
        self, account_id: str, refresh_url: str, return_url: str, idempotency_key: str
    ) -> str:
        """An account_onboarding link URL; links expire, so use a fresh key per link."""
        ...

    async def get_account_status(self, account_id: str) -> AccountStatus:
        """Read-only, hence no idempotency key."""
        ...

    async def transfer(
        self,
        amount_minor: int,
        currency: str,
        destination_account: str,
        transfer_group: str,
        source_transaction: str | None,
        idempotency_key: str,
    ) -> TransferResult:
        """Pay a seller from the platform balance, tied to the order and its charge."""
        ...

    async def list_charges(self, created_since: int | None = None) -> Sequence[CardObject]:
        """Every succeeded charge created at or after `created_since` (Unix time), all pages."""
        ...

    async def list_refunds(self, created_since: int | None = None) -> Sequence[CardObject]:
        """Every refund that moved (or is moving) money, created at or after `created_since`."""
        ...

    async def list_transfers(self, created_since: int | None = None) -> Sequence[CardObject]:
        """Every transfer to a connected account created at or after `created_since`."""
        ...


def check_card_amount(amount_minor: int, currency: str) -> None:
    """Refuse amounts no card provider accepts, before any call is made.

    Shared by the real and the fake gateway so both refuse the same inputs the same way.
    Telegram Stars are refunded through Telegram, never through Stripe.
    """
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise PaymentDeclined(
            detail=f"amount must be a positive integer of minor units, got {amount_minor!r}",
            code="invalid_amount",
            param="amount",
        )
    if len(currency) != 3 or not currency.isalpha():
        raise PaymentDeclined(
            detail=f"currency must be an ISO code, got {currency!r}",
            code="invalid_currency",
            param="currency",
        )
    if currency.upper() == TELEGRAM_STARS:
        raise PaymentDeclined(
            detail="Telegram Stars (XTR) do not go through the card provider",
            code="invalid_currency",
            param="currency",
        )


def check_idempotency_key(idempotency_key: str) -> None:
    """Stripe allows up to 255 characters; an empty key would silently disable the guarantee."""
    if not idempotency_key or len(idempotency_key) > 255:
        raise PaymentDeclined(
            detail="idempotency key must be 1..255 characters",
            code="invalid_idempotency_key",
        )
