"""Tips at the service level: bounds, the pre-checkout re-check, one ledger transaction per
Telegram charge id (the `world` fixture then checks the books)."""

from __future__ import annotations

import pytest

from bot.domain.ledger import PLATFORM_FEES, seller_payable
from bot.domain.money import Money
from bot.domain.tips import max_tip, min_tip, tip_in_bounds, tip_offers
from bot.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from bot.services.orders.tips import TipPaid, tip_payload
from tests.services.money_world import BUYER, SELLER, MoneyWorld
from tests.services.order_life import Life


async def balance(world: MoneyWorld, account: str, currency: str = "USD") -> int:
    async with world.uow(read_only=True) as uow:
        return await uow.ledger.balance(account, currency)


def test_offers_and_bounds() -> None:
    subtotal = Money(2000, "USD")
    assert [a.amount_minor for _p, a in tip_offers(subtotal)] == [100, 200, 300]
    assert min_tip("USD") == Money(100, "USD") and max_tip(subtotal) == Money(500, "USD")
    assert [a.amount_minor for _p, a in tip_offers(Money(300, "USD"))] == [100]  # raised, deduped
    assert [a.amount_minor for _p, a in tip_offers(Money(100, "XTR"))] == [5, 10, 15]
    assert min_tip("JPY") == Money(100, "JPY")
    assert not tip_in_bounds(Money(99, "USD"), subtotal)
    assert not tip_in_bounds(Money(501, "USD"), subtotal)
    assert not tip_in_bounds(Money(200, "EUR"), subtotal)
    assert tip_in_bounds(Money(500, "USD"), subtotal)


async def test_tip_is_recorded_once_per_charge(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.delivered()
    with pytest.raises(Conflict):  # not completed yet
        await life.tips.check(order.id, BUYER, 200)
    await life.delivery.approve(order.id, BUYER)
    payable = await balance(world, seller_payable(SELLER))
    fees = await balance(world, PLATFORM_FEES)
    paid = TipPaid(order.id, BUYER, "USD", 300, "tg_tip_1", "ch_tip_1")
    assert await life.tips.record(paid)
    assert not await life.tips.record(paid)  # Telegram redelivered the update
    assert await balance(world, seller_payable(SELLER)) == payable + 240
    assert await balance(world, PLATFORM_FEES) == fees + 60
    assert await world.escrow(order.id) == 0
    async with world.uow(read_only=True) as uow:
        kinds = [t.kind for t in await uow.ledger.order_transactions(order.id)]
        events = [e.event for e in await uow.order_events.for_order(order.id)]
    assert kinds.count("tip") == 1 and events.count("tip") == 1
    assert (SELLER, "order.tip_received") in await world.outbox_kinds()
    assert await life.tips.record(TipPaid(order.id, BUYER, "USD", 100, "tg_tip_2", "ch_tip_2"))


async def test_pre_checkout_rechecks_the_tip(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.delivered()
    await life.delivery.approve(order.id, BUYER)
    payload = tip_payload(order.id, 200)
    await life.tips.check_pre_checkout(payload, BUYER, 200, "USD")
    with pytest.raises(Conflict):
        await life.tips.check_pre_checkout(payload, BUYER, 300, "USD")  # not what was offered
    with pytest.raises(Conflict):
        await life.tips.check_pre_checkout(tip_payload(order.id, 200), BUYER, 200, "EUR")
    with pytest.raises(ValidationFailed):
        await life.tips.check_pre_checkout(tip_payload(order.id, 5000), BUYER, 5000, "USD")
    with pytest.raises(NotAllowed):
        await life.tips.check_pre_checkout(payload, SELLER, 200, "USD")
    with pytest.raises(NotFound):
        await life.tips.check_pre_checkout("order:1", BUYER, 200, "USD")
