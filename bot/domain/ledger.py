"""The double-entry ledger: every money movement as one balanced transaction.

Sign convention: an entry's amount is *added* to its account's balance. Money leaving an account
is a negative entry, money arriving a positive one, and the entries of one transaction sum to
zero in every currency, so money is never created or lost inside the marketplace. External
accounts stand for the world outside (a card charged through Stripe, Telegram Stars, refunds
paid back); they go negative when money comes in from outside and are the only accounts that may.

    payment:  external:stripe|stars  -total  ->  escrow:order:<id>  +total
    release:  escrow:order:<id>      -total  ->  seller:<id>:payable +net, platform:fees +fee
    refund:   escrow:order:<id>      -amount ->  external:refunds +amount
    split:    escrow -total -> external:refunds +refund, seller payable +net, platform:fees +fee
    tip:      external:stripe|stars  -tip    ->  seller:<id>:payable +net, platform:fees +fee
    second charge of a paid order (booked apart, then refunded):
              external:stripe|stars  -amount ->  duplicate:order:<id> +amount
              duplicate:order:<id>   -amount ->  external:refunds +amount
    payout:   seller:<id>:payable    -amount ->  external:stripe|stars +amount

Every transaction carries a deterministic key ("order:12:payment"): storing it under a unique
constraint makes each movement idempotent, and the payment calls derive their own idempotency
keys from it. A transaction that moved money with a provider also names the provider's object
(`provider_ref`, e.g. "stripe:ch_..", "stars:<charge id>"), unique as well, so that `reconcile`
can match every charge, refund and transfer at Stripe or Telegram to exactly one transaction.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.domain.money import STARS, Money
from bot.domain.pricing import SplitAmounts
from bot.errors import UnbalancedTransaction
from bot.i18n.markers import N_

EXTERNAL_PREFIX = "external:"
EXTERNAL_STRIPE = "external:stripe"
EXTERNAL_STARS = "external:stars"
EXTERNAL_REFUNDS = "external:refunds"
PLATFORM_FEES = "platform:fees"


def escrow_account(order_id: int) -> str:
    """Where an order's payment waits until it is released, refunded or split."""
    return f"escrow:order:{order_id}"


def seller_payable(user_id: int) -> str:
    """What the marketplace owes a seller until it is paid out."""
    return f"seller:{user_id}:payable"


def payable_seller(account: str) -> int | None:
    """The seller a `seller:<id>:payable` account belongs to (None for any other account)."""
    prefix, _, rest = account.partition(":")
    user_id, _, suffix = rest.partition(":")
    if prefix != "seller" or suffix != "payable" or not user_id.lstrip("-").isdigit():
        return None
    return int(user_id)


def is_external(account: str) -> bool:
    """External accounts mirror money outside the marketplace and may go negative."""
    return account.startswith(EXTERNAL_PREFIX)


def is_escrow(account: str) -> bool:
    return account.startswith("escrow:order:")


def external_source_for(currency: str) -> str:
    """Where money in `currency` comes from and goes to: Stars for XTR, Stripe otherwise."""
    return EXTERNAL_STARS if currency == STARS else EXTERNAL_STRIPE


STRIPE_REF = "stripe:"
STARS_REF = "stars:"
STARS_REFUND_REF = "stars-refund:"


def stripe_ref(object_id: str | None) -> str | None:
    """A Stripe charge, refund or transfer ("stripe:ch_..", "stripe:re_..", "stripe:tr_..")."""
    return f"{STRIPE_REF}{object_id}" if object_id else None


def stars_ref(telegram_charge_id: str | None) -> str | None:
    """A Telegram Stars payment, by its telegram_payment_charge_id."""
    return f"{STARS_REF}{telegram_charge_id}" if telegram_charge_id else None


def stars_refund_ref(telegram_charge_id: str | None) -> str | None:
    """The refund of a Stars payment: Telegram gives it the id of the payment it returns."""
    return f"{STARS_REFUND_REF}{telegram_charge_id}" if telegram_charge_id else None


def payment_ref(
    rail: str, telegram_charge_id: str | None, provider_charge_id: str | None
) -> str | None:
    """The provider object of a payment on `rail`: the Stars charge, or the Stripe charge."""
    if rail == "stars":
        return stars_ref(telegram_charge_id)
    return stripe_ref(provider_charge_id)


@dataclass(frozen=True)
class Entry:
    """`amount` is added to `account`'s balance (negative = money leaves the account)."""

    account: str
    amount: Money

    def __post_init__(self) -> None:
        if (
            not isinstance(self.account, str)
            or not self.account
            or self.account != (self.account.strip())
        ):
            raise UnbalancedTransaction(N_("A ledger entry needs an account name."))
        if not isinstance(self.amount, Money):
            raise TypeError("Entry.amount must be Money")


def sums_by_currency(entries: Iterable[Entry]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for entry in entries:
        totals[entry.amount.currency] += entry.amount.amount_minor
    return dict(totals)


@dataclass(frozen=True)
class LedgerTransaction:
    """A set of entries written together; refused unless it balances in every currency."""

    key: str
    kind: str
    entries: tuple[Entry, ...]
    order_id: int | None = None
    #: The provider object this movement is (see `stripe_ref`, `stars_ref`); None for movements
    #: that stay inside the marketplace (a release) or happen by hand (a manual settlement).
    provider_ref: str | None = None

    def __post_init__(self) -> None:
        if not self.key or not self.kind:
            raise UnbalancedTransaction(N_("A ledger transaction needs a key and a kind."))
        object.__setattr__(self, "entries", tuple(self.entries))
        if len(self.entries) < 2:
            raise UnbalancedTransaction(
                N_("A ledger transaction needs at least two entries."), key=self.key
            )
        if any(entry.amount.is_zero() for entry in self.entries):
            raise UnbalancedTransaction(
                N_("A ledger transaction may not contain a zero entry."), key=self.key
            )
        for currency, total in sums_by_currency(self.entries).items():
            if total != 0:
                raise UnbalancedTransaction(
                    N_("The ledger transaction {key} is off by {difference}."),
                    key=self.key,
                    difference=Money(total, currency).format(),
                )

    def amount_for(self, account: str, currency: str) -> int:
        """Net effect of this transaction on one account, in minor units."""
        return sum(
            e.amount.amount_minor
            for e in self.entries
            if e.account == account and e.amount.currency == currency
        )


def _positive(amount: Money, what: str) -> None:
    if not amount.is_positive():
        raise UnbalancedTransaction(
            N_("The {what} must be a positive amount, not {amount}."),
            what=what,
            amount=amount.format(),
        )


def _out_of_escrow(order_id: int, total: Money, *credits: Entry) -> tuple[Entry, ...]:
    """The escrow emptied of `total` into `credits` (zero credits left out: no zero entries)."""
    return (
        Entry(escrow_account(order_id), -total),
        *(credit for credit in credits if not credit.amount.is_zero()),
    )


# ---------------------------------------------------------------------------------------------
# builders: the only movements the marketplace makes
# ---------------------------------------------------------------------------------------------


def payment_received(
    order_id: int,
    total: Money,
    source_account: str | None = None,
    *,
    provider_ref: str | None = None,
) -> LedgerTransaction:
    """The buyer paid `total`: from the outside (Stripe or Stars) into the order's escrow."""
    _positive(total, "payment")
    source = source_account or external_source_for(total.currency)
    if not is_external(source):
        raise UnbalancedTransaction(
            N_("A payment must come from an external account, not {account}."), account=source
        )
    return LedgerTransaction(
        key=f"order:{order_id}:payment",
        kind="payment",
        order_id=order_id,
        entries=(Entry(source, -total), Entry(escrow_account(order_id), total)),
        provider_ref=provider_ref,
    )


def release_to_seller(
    order_id: int, escrow_total: Money, seller_id: int, seller_net: Money, platform_fee: Money
) -> LedgerTransaction:
    """Completion: the whole escrow to the seller's payable and the platform's fees."""
    _positive(escrow_total, "escrow total")
    if seller_net.is_negative() or platform_fee.is_negative():
        raise UnbalancedTransaction(N_("A release cannot move a negative amount."))
    if seller_net + platform_fee != escrow_total:
        raise UnbalancedTransaction(
            N_("A release must empty the escrow of {total}; it moves {moved}."),
            total=escrow_total.format(),
            moved=(seller_net + platform_fee).format(),
        )
    return LedgerTransaction(
        key=f"order:{order_id}:release",
        kind="release",
        order_id=order_id,
        entries=_out_of_escrow(
            order_id,
            escrow_total,
            Entry(seller_payable(seller_id), seller_net),
            Entry(PLATFORM_FEES, platform_fee),
        ),
    )


def refund(
    order_id: int,
    amount: Money,
    *,
    key: str | None = None,
    destination: str = EXTERNAL_REFUNDS,
    provider_ref: str | None = None,
) -> LedgerTransaction:
    """Money back to the buyer: from the order's escrow out to `external:refunds`.

    The default key makes the (full) refund of an order idempotent; pass another key for a
    second, partial refund of the same order.
    """
    _positive(amount, "refund")
    if not is_external(destination):
        raise UnbalancedTransaction(
            N_("A refund must go to an external account, not {account}."), account=destination
        )
    return LedgerTransaction(
        key=key or f"order:{order_id}:refund",
        kind="refund",
        order_id=order_id,
        entries=(Entry(escrow_account(order_id), -amount), Entry(destination, amount)),
        provider_ref=provider_ref,
    )


def split(
    order_id: int,
    escrow_total: Money,
    seller_id: int,
    parts: SplitAmounts,
    *,
    provider_ref: str | None = None,
) -> LedgerTransaction:
    """A dispute settled by dividing the escrow (`bot.domain.pricing.split_amounts` decides
    the parts; this only writes them, and refuses parts that do not empty the escrow)."""
    _positive(escrow_total, "escrow total")
    if any(part.is_negative() for part in (parts.buyer_refund, parts.seller_net)) or (
        parts.platform_fee.is_negative()
    ):
        raise UnbalancedTransaction(N_("A release cannot move a negative amount."))
    if parts.total != escrow_total:
        raise UnbalancedTransaction(
            N_("A release must empty the escrow of {total}; it moves {moved}."),
            total=escrow_total.format(),
            moved=parts.total.format(),
        )
    return LedgerTransaction(
        key=f"order:{order_id}:split",
        kind="split",
        order_id=order_id,
        entries=_out_of_escrow(
            order_id,
            escrow_total,
            Entry(EXTERNAL_REFUNDS, parts.buyer_refund),
            Entry(seller_payable(seller_id), parts.seller_net),
            Entry(PLATFORM_FEES, parts.platform_fee),
        ),
        provider_ref=provider_ref,
    )


def _tip_key(order_id: int, charge_id: str) -> str:
    key = f"order:{order_id}:tip:{charge_id}"
    if len(key) <= 128:
        return key
    return f"order:{order_id}:tip:sha256:{hashlib.sha256(charge_id.encode()).hexdigest()}"


def tip_received(
    order_id: int,
    charge_id: str,
    tip: Money,
    seller_id: int,
    seller_net: Money,
    source: str,
    *,
    provider_ref: str | None = None,
) -> LedgerTransaction:
    """A buyer's tip on a completed order: from the outside straight to the seller's payable
    and the platform's commission (no escrow: the work is already accepted). Keyed by the
    Telegram charge id, so a redelivered payment records nothing twice."""
    _positive(tip, "tip")
    if not is_external(source):
        raise UnbalancedTransaction(
            N_("A payment must come from an external account, not {account}."), account=source
        )
    if seller_net.is_negative() or seller_net > tip:
        raise UnbalancedTransaction(N_("A release cannot move a negative amount."))
    return LedgerTransaction(
        key=_tip_key(order_id, charge_id),
        kind="tip",
        order_id=order_id,
        entries=tuple(
            entry
            for entry in (
                Entry(source, -tip),
                Entry(seller_payable(seller_id), seller_net),
                Entry(PLATFORM_FEES, tip - seller_net),
            )
            if not entry.amount.is_zero()
        ),
        provider_ref=provider_ref,
    )


def duplicate_account(order_id: int) -> str:
    """Where a second charge for an already paid order waits until it is refunded."""
    return f"duplicate:order:{order_id}"


def _charge_key(order_id: int, charge_id: str, what: str) -> str:
    key = f"order:{order_id}:charge:{charge_id}:{what}"
    if len(key) <= 128:
        return key
    digest = hashlib.sha256(charge_id.encode()).hexdigest()
    return f"order:{order_id}:charge:sha256:{digest}:{what}"


def duplicate_payment_key(order_id: int, charge_id: str) -> str:
    return _charge_key(order_id, charge_id, "payment")


def duplicate_refund_key(order_id: int, charge_id: str) -> str:
    """The ledger key of a second charge's refund, and the provider's idempotency key."""
    return _charge_key(order_id, charge_id, "refund")


def duplicate_payment(
    order_id: int,
    charge_id: str,
    amount: Money,
    source_account: str | None = None,
    *,
    provider_ref: str | None = None,
) -> LedgerTransaction:
    """A second charge for an order already paid: booked apart from the order's escrow (which
    holds the first payment only), keyed by the charge, so it matches one provider object."""
    _positive(amount, "payment")
    source = source_account or external_source_for(amount.currency)
    if not is_external(source):
        raise UnbalancedTransaction(
            N_("A payment must come from an external account, not {account}."), account=source
        )
    return LedgerTransaction(
        key=duplicate_payment_key(order_id, charge_id),
        kind="duplicate_payment",
        order_id=order_id,
        entries=(Entry(source, -amount), Entry(duplicate_account(order_id), amount)),
        provider_ref=provider_ref,
    )


def duplicate_refund(
    order_id: int, charge_id: str, amount: Money, *, provider_ref: str | None = None
) -> LedgerTransaction:
    """The second charge given back: out of its holding account to `external:refunds`."""
    _positive(amount, "refund")
    return LedgerTransaction(
        key=duplicate_refund_key(order_id, charge_id),
        kind="duplicate_refund",
        order_id=order_id,
        entries=(Entry(duplicate_account(order_id), -amount), Entry(EXTERNAL_REFUNDS, amount)),
        provider_ref=provider_ref,
    )


def payout(
    seller_id: int,
    amount: Money,
    key: str,
    destination: str | None = None,
    *,
    provider_ref: str | None = None,
) -> LedgerTransaction:
    """A seller is paid out: from their payable to Stripe (a transfer) or Stars."""
    _positive(amount, "payout")
    target = destination or external_source_for(amount.currency)
    if not is_external(target):
        raise UnbalancedTransaction(
            N_("A payout must go to an external account, not {account}."), account=target
        )
    return LedgerTransaction(
        key=key,
        kind="payout",
        entries=(Entry(seller_payable(seller_id), -amount), Entry(target, amount)),
        provider_ref=provider_ref,
    )


# ---------------------------------------------------------------------------------------------
# reading balances
# ---------------------------------------------------------------------------------------------

Balances = dict[tuple[str, str], int]


def balances(transactions: Iterable[LedgerTransaction]) -> Balances:
    """(account, currency) -> balance in minor units, over every entry of `transactions`."""
    result: Balances = defaultdict(int)
    for transaction in transactions:
        for entry in transaction.entries:
            result[(entry.account, entry.amount.currency)] += entry.amount.amount_minor
    return dict(result)


def negative_internal_accounts(balance_map: Mapping[tuple[str, str], int]) -> list[tuple[str, str]]:
    """(account, currency) pairs that went below zero although not external: always a bug."""
    return sorted(
        key for key, amount in balance_map.items() if amount < 0 and not is_external(key[0])
    )


__all__ = [
    "EXTERNAL_REFUNDS",
    "EXTERNAL_STARS",
    "EXTERNAL_STRIPE",
    "PLATFORM_FEES",
    "Balances",
    "Entry",
    "LedgerTransaction",
    "SplitAmounts",
    "balances",
    "duplicate_account",
    "duplicate_payment",
    "duplicate_payment_key",
    "duplicate_refund",
    "duplicate_refund_key",
    "escrow_account",
    "external_source_for",
    "is_escrow",
    "is_external",
    "negative_internal_accounts",
    "payment_received",
    "payment_ref",
    "payout",
    "refund",
    "release_to_seller",
    "seller_payable",
    "split",
    "stars_ref",
    "stars_refund_ref",
    "stripe_ref",
    "sums_by_currency",
    "tip_received",
]
