"""Manual settlement under concurrency: a double tap (or two replicas) pays a balance once.

Why these tests exist: on PostgreSQL READ COMMITTED two settlements used to read the same payable
balance and both record a payout of it (the second under the next `settle:...:<n>` key), leaving
the seller's payable at minus the balance. Every test ends with the `world` fixture's
`check_books`, which also refuses a negative internal account.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.domain.ledger import seller_payable
from bot.domain.money import Money
from bot.errors import Conflict, NotFound
from bot.services.payouts.settlement import payout_key
from bot.storage.repositories.ledger import SqlLedgerRepository
from tests.services.money_world import ADMIN, BUYER, SELLER, MoneyWorld
from tests.services.test_payouts_webhooks import completed_order


async def payable(world: MoneyWorld, currency: str) -> int:
    async with world.uow(read_only=True) as uow:
        return await uow.ledger.balance(seller_payable(SELLER), currency)


async def settle_twice(world: MoneyWorld, amount: Money) -> Sequence[Money | BaseException]:
    return await asyncio.gather(
        world.payouts.settle(ADMIN, SELLER, amount),
        world.payouts.settle(ADMIN, SELLER, amount),
        return_exceptions=True,
    )


def one_settled_one_refused(results: Sequence[Money | BaseException], amount: Money) -> None:
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Money"], results
    assert amount in results


@pytest.mark.parametrize("currency", ["XTR", "USD"])
async def test_a_double_tap_settles_once(world: MoneyWorld, currency: str) -> None:
    order = await completed_order(world, currency)
    [owed] = await world.payouts.owed(ADMIN)
    results = await settle_twice(world, owed.amount)
    one_settled_one_refused(results, owed.amount)
    assert await payable(world, currency) == 0
    async with world.uow(read_only=True) as uow:
        if currency == "XTR":
            assert await uow.ledger.has(f"settle:{SELLER}:{currency}:1")
        else:  # a card settlement is recorded against the order it pays (no lump sum left)
            assert await uow.ledger.has(payout_key(order.id))
            assert not await uow.ledger.has(f"settle:{SELLER}:{currency}:1")
        assert not await uow.ledger.has(f"settle:{SELLER}:{currency}:2")
    assert await world.payouts.owed(ADMIN) == []


async def test_a_settlement_that_commits_between_read_and_write_is_not_paid_again(
    world: MoneyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interleaving the audit described, forced: the second settlement has read the balance
    when the first commits. Before the per-seller lock it then picked key number 2 and paid the
    same balance again; now it cannot read the balance before the first one is done."""
    await completed_order(world, "XTR")
    [owed] = await world.payouts.owed(ADMIN)
    first_done = asyncio.Event()
    reads = 0
    real_balance = SqlLedgerRepository.balance

    async def balance_then_wait(self: SqlLedgerRepository, account: str, currency: str) -> int:
        nonlocal reads
        value = await real_balance(self, account, currency)
        if account == seller_payable(SELLER):
            reads += 1
            if reads > 1:  # the later reader waits until the earlier settlement committed
                await asyncio.wait_for(first_done.wait(), timeout=10)
        return value

    async def settle() -> Money:
        try:
            return await world.payouts.settle(ADMIN, SELLER, owed.amount)
        finally:
            first_done.set()

    monkeypatch.setattr(SqlLedgerRepository, "balance", balance_then_wait)
    results = await asyncio.gather(settle(), settle(), return_exceptions=True)
    monkeypatch.undo()
    one_settled_one_refused(results, owed.amount)
    assert await payable(world, "XTR") == 0


async def test_settling_a_changed_or_unknown_balance_is_refused(world: MoneyWorld) -> None:
    await completed_order(world, "XTR")
    [owed] = await world.payouts.owed(ADMIN)
    with pytest.raises(Conflict):
        await world.payouts.settle(ADMIN, SELLER, Money(owed.amount.amount_minor + 1, "XTR"))
    with pytest.raises(NotFound):
        await world.payouts.settle(ADMIN, 424242, owed.amount)
    assert await world.payouts.settle(ADMIN, SELLER, owed.amount) == owed.amount
    with pytest.raises(Conflict):
        await world.payouts.settle(ADMIN, BUYER, owed.amount)  # owed nothing
