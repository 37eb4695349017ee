"""`StarsRefunder` through the Bot API's refundStarPayment, and `StarsLedger` through
getStarTransactions."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Bot, StarTransaction, TransactionPartnerUser
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.payments.gateway import PaymentDeclined, PaymentUnavailable
from bot.payments.stars import StarsTransaction

#: getStarTransactions returns at most 100 a call.
PAGE = 100


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


class TelegramStarsLedger:
    """The bot's Stars transactions with users, every page (`offset`/`limit`, chronological).

    Only transactions with a user are listed: payments (from `source`) and their refunds (to
    `receiver`); withdrawals to Fragment or Telegram Ads spending never were ledger movements.
    """

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def transactions(self, since: int | None = None) -> Sequence[StarsTransaction]:
        found: list[StarsTransaction] = []
        offset = 0
        while True:
            try:
                page = await self._bot.get_star_transactions(offset=offset, limit=PAGE)
            except NetworkError as exc:
                raise PaymentUnavailable(detail=str(exc)) from exc
            except TelegramError as exc:
                raise PaymentDeclined(detail=str(exc)) from exc
            for transaction in page.transactions:
                converted = _with_user(transaction)
                if converted is not None and (since is None or converted.date >= since):
                    found.append(converted)
            if len(page.transactions) < PAGE:
                return found
            offset += len(page.transactions)


def _with_user(transaction: StarTransaction) -> StarsTransaction | None:
    date = int(transaction.date.timestamp())
    source, receiver = transaction.source, transaction.receiver
    if isinstance(source, TransactionPartnerUser):
        return StarsTransaction(
            transaction.id, transaction.amount, date, True, source.user.id,
            source.invoice_payload or "",
        )  # fmt: skip
    if isinstance(receiver, TransactionPartnerUser):
        return StarsTransaction(transaction.id, transaction.amount, date, False, receiver.user.id)
    return None
