"""Refunds that Telegram reports (`refunded_payment`), journaled like payments.

The bot's own refunds of a cancelled order are booked by `RefundService` when it makes them;
Telegram then also tells the buyer's chat that the payment was refunded. Any other refund (one
made through Telegram support, of an order still open or completed, or of a charge that matches
no order, a tip say) took money back that the ledger still counts: a human reviews it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.domain.money import Money
from bot.domain.order import OrderStatus
from bot.i18n.markers import N_
from bot.services.orders.steps import alert_operators
from bot.services.ports import UnitOfWorkFactory


@dataclass(frozen=True)
class RefundSeen:
    """What a `refunded_payment` message says."""

    telegram_charge_id: str
    currency: str
    amount_minor: int


@dataclass(frozen=True)
class ProviderRefundConfig:
    """What refunds Telegram reports need of the settings (filled by `bot.bootstrap.config_of`)."""

    #: operators: they get the alerts and may act as one
    admin_ids: tuple[int, ...]


class ProviderRefundService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, config: ProviderRefundConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config

    async def seen(self, refund: RefundSeen) -> bool:
        """Note a refund Telegram reports; True when operators were asked to review it."""
        now = self._clock.now()
        amount = Money(refund.amount_minor, refund.currency).format()
        async with self._uow() as uow:
            order = await uow.orders.get_by_charge(refund.telegram_charge_id)
            if order is not None and order.status == OrderStatus.cancelled:
                return False  # our own refund of a cancelled order
            if order is None:
                message = N_(
                    "Telegram refunded payment {charge} ({amount}), which matches no order's "
                    "payment (a tip?); please review the books."
                )
            else:
                message = N_(
                    "Telegram refunded payment {charge} ({amount}) of order #{order_id}, which "
                    "is {status}, not cancelled; please review."
                )
            await alert_operators(
                uow, self._config.admin_ids, now, message,
                f"tgrefund:{refund.telegram_charge_id}",
                charge=refund.telegram_charge_id, amount=amount,
                order_id=order.id if order else "?", status=order.status if order else "?",
            )  # fmt: skip
        return True
