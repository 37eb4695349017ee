"""Refunds of Telegram Stars payments, which only Telegram can make (`refundStarPayment`).

Services need to refund Stars without knowing about the bot, so they talk to this protocol; the
Telegram implementation lives in `bot.telegram.stars` and tests use `FakeStarsRefunder`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.errors import PaymentError


class StarsRefunder(Protocol):
    async def refund(self, user_id: int, telegram_charge_id: str) -> None:
        """Give the Stars of one payment back; a charge already refunded counts as done.

        Raises `PaymentUnavailable` (retry later) or `PaymentDeclined` (an operator must look).
        """
        ...


@dataclass
class FakeStarsRefunder:
    """Records refunds; `fail_next` makes the next call raise, as Telegram would."""

    refunded: list[tuple[int, str]] = field(default_factory=list)
    failures: list[PaymentError] = field(default_factory=list)

    def fail_next(self, error: PaymentError) -> None:
        self.failures.append(error)

    async def refund(self, user_id: int, telegram_charge_id: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        if (user_id, telegram_charge_id) not in self.refunded:
            self.refunded.append((user_id, telegram_charge_id))
