"""Refunds of Telegram Stars payments, which only Telegram can make (`refundStarPayment`), and
the bot's Stars transactions as Telegram lists them (`getStarTransactions`), for `reconcile`.

Services need to refund Stars without knowing about the bot, so they talk to these protocols;
the Telegram implementation lives in `bot.telegram.stars` and tests use `FakeStarsRefunder`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.errors import PaymentError


class StarsRefunder(Protocol):
    async def refund(self, user_id: int, telegram_charge_id: str) -> None:
        """Give the Stars of one payment back; a charge already refunded counts as done.

        Raises `PaymentUnavailable` (retry later) or `PaymentDeclined` (an operator must look).
        """
        ...


@dataclass(frozen=True, slots=True)
class StarsTransaction:
    """One Stars transaction of the bot with a user: a payment in (`incoming`) or the refund of
    one (which Telegram lists under the payment's id). `date` is Unix time."""

    transaction_id: str
    amount: int
    date: int
    incoming: bool
    user_id: int | None
    invoice_payload: str = ""


class StarsLedger(Protocol):
    async def transactions(self, since: int | None = None) -> Sequence[StarsTransaction]:
        """The bot's Stars payments and refunds with users (dated at or after `since`)."""
        ...


@dataclass
class FakeStarsRefunder:
    """Records refunds and the Stars account's transactions; `fail_next` makes the next call
    raise, as Telegram would. A payment a test makes goes in with `record_payment`."""

    refunded: list[tuple[int, str]] = field(default_factory=list)
    failures: list[PaymentError] = field(default_factory=list)
    history: list[StarsTransaction] = field(default_factory=list)
    #: Unix time stamped on new transactions; a test may set its own clock.
    now: Callable[[], int] = field(default=lambda: int(time.time()))

    def fail_next(self, error: PaymentError) -> None:
        self.failures.append(error)

    def record_payment(
        self, user_id: int, telegram_charge_id: str, amount: int, payload: str
    ) -> None:
        """A Stars payment as Telegram's account would show it."""
        self.history.append(
            StarsTransaction(telegram_charge_id, amount, self.now(), True, user_id, payload)
        )

    async def refund(self, user_id: int, telegram_charge_id: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        if (user_id, telegram_charge_id) not in self.refunded:
            self.refunded.append((user_id, telegram_charge_id))
            charge = telegram_charge_id
            paid = [t for t in self.history if t.incoming and t.transaction_id == charge]
            if paid:
                self.history.append(
                    StarsTransaction(
                        telegram_charge_id, paid[0].amount, self.now(), False, user_id
                    )
                )

    async def transactions(self, since: int | None = None) -> Sequence[StarsTransaction]:
        if self.failures:
            raise self.failures.pop(0)
        return [t for t in self.history if since is None or t.date >= since]
