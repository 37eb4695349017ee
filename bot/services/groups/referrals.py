"""Group referral balances: what the marketplace owes chats' admins, settled by operators.

A completed order that came from a group's post credits `group:<chat>:referral` with the
share frozen on the order (`bot.domain.pricing`). The bot cannot pay a group's admins (there
is no account of theirs to transfer to), so, like Stars earnings of sellers, an operator pays
them by hand and marks it: `/referrals` lists every balance, a tap records the payout as one
balanced ledger transaction out of the referral account.

Why the lock and the amount: the balance is a sum over ledger rows, which no unique key
protects, so a double tap (or two replicas) could both read it and both record a payout of it.
Settlements of one chat therefore queue on the chat's row, the balance is read only once the
lock is held, and it must still be exactly what the operator was shown; the second tap finds
it changed and is refused with a plain message.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.clock import Clock
from bot.domain.groups import referral_account, referral_chat, referral_payout
from bot.domain.ledger import EXTERNAL_STARS
from bot.domain.money import STARS, Money
from bot.errors import Conflict, NotAllowed, NotFound
from bot.i18n.markers import N_
from bot.services.payouts.settlement import EXTERNAL_MANUAL
from bot.services.ports import UnitOfWorkFactory

REFERRAL_PREFIX = "group:"
#: Why a settlement is refused: what is owed is no longer what the operator confirmed.
BALANCE_CHANGED = N_("This balance changed; please open /referrals again.")


def settlement_key(chat_id: int, currency: str, number: int) -> str:
    return f"referral-settle:{chat_id}:{currency}:{number}"


@dataclass(frozen=True)
class ReferralOwed:
    """What the marketplace owes one chat's admins in one currency."""

    chat_id: int
    amount: Money
    #: The chat's title as the bot last saw it (None when the chat is unknown).
    title: str | None = None


class ReferralService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, admin_ids: Collection[int]) -> None:
        self._uow = uow
        self._clock = clock
        self._admin_ids = frozenset(admin_ids)

    def _check_operator(self, user_id: int) -> None:
        if user_id not in self._admin_ids:
            raise NotAllowed()

    async def owed(self, operator_id: int) -> Sequence[ReferralOwed]:
        """Every chat's referral balance still owed, per currency."""
        self._check_operator(operator_id)
        owed: list[ReferralOwed] = []
        async with self._uow(read_only=True) as uow:
            balances = await uow.ledger.balances(REFERRAL_PREFIX)
            for (account, currency), amount in sorted(balances.items()):
                chat_id = referral_chat(account)
                if chat_id is None or amount <= 0:
                    continue
                chat = await uow.groups.get(chat_id)
                title = chat.title if chat is not None else None
                owed.append(ReferralOwed(chat_id, Money(amount, currency), title))
        return owed

    async def settle(self, operator_id: int, chat_id: int, amount: Money) -> Money:
        """Mark a chat's referral balance as paid by hand; refused if it changed since it was
        listed (a double tap, another operator, a new order credited meanwhile)."""
        self._check_operator(operator_id)
        now = self._clock.now()
        account = referral_account(chat_id)
        async with self._uow() as uow:
            if await uow.groups.get(chat_id, lock=True) is None:
                raise NotFound()
            held = await uow.ledger.balance(account, amount.currency)
            if held != amount.amount_minor or held <= 0:
                raise Conflict(BALANCE_CHANGED)
            number = 1
            while await uow.ledger.has(settlement_key(chat_id, amount.currency, number)):
                number += 1
            destination = EXTERNAL_STARS if amount.currency == STARS else EXTERNAL_MANUAL
            key = settlement_key(chat_id, amount.currency, number)
            if not await uow.ledger.record(referral_payout(chat_id, amount, key, destination), now):
                raise Conflict(BALANCE_CHANGED)  # cannot happen under the lock; never claim it
        return amount
