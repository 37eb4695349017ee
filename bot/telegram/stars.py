"""`StarsRefunder` through the Bot API's refundStarPayment."""

from __future__ import annotations

from telegram import Bot
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.payments.gateway import PaymentDeclined, PaymentUnavailable


class TelegramStarsRefunder:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def refund(self, user_id: int, telegram_charge_id: str) -> None:
        try:
            await self._bot.refund_star_payment(user_id, telegram_charge_id)
        except BadRequest as exc:
            if "ALREADY_REFUNDED" in exc.message.upper():
                return  # a retry after a lost answer: the Stars are back already
            raise PaymentDeclined(detail=exc.message, code="telegram_refused") from exc
        except NetworkError as exc:
            raise PaymentUnavailable(detail=str(exc)) from exc
        except TelegramError as exc:
            raise PaymentDeclined(detail=str(exc)) from exc
