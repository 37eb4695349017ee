"""Settlement at the order's own rates, and the split rule, at the service level.

A 20.00 USD order under the default settings costs the buyer 23.10 (5.5 % service fee 1.10,
small-order fee 2.00); its seller is owed 16.00 at the 20 % commission it was placed under,
whatever the settings say when it is settled. The `world` fixture then checks the books.
"""

from __future__ import annotations

import pytest

from bot.domain.ledger import EXTERNAL_REFUNDS, PLATFORM_FEES, seller_payable
from bot.services.orders.tips import TipPaid
from tests.services.money_world import ADMIN, BUYER, SELLER, MoneyWorld
from tests.services.order_life import FILE_PART, Life


async def balance(world: MoneyWorld, account: str, currency: str = "USD") -> int:
    async with world.uow(read_only=True) as uow:
        return await uow.ledger.balance(account, currency)


def restarted_with(world: MoneyWorld, **settings: object) -> Life:
    """The services as a bot restarted with other settings would build them."""
    world.rewire(**settings)
    return Life.of(world)


async def test_an_order_stores_the_rates_it_was_placed_under(world: MoneyWorld) -> None:
    order = await Life.of(world).paid()
    assert (order.subtotal_minor, order.total_minor) == (2000, 2310)
    rates = order.rates
    assert (rates.buyer_fee_bps, rates.seller_commission_bps, rates.referral_bps) == (550, 2000, 0)
    assert rates.small_order_threshold is not None
    assert rates.small_order_threshold.amount_minor == 4000
    stars = await Life.of(world).paid("XTR", key="k2")
    assert stars.rates.small_order_threshold is None  # the USD threshold never applies to XTR


@pytest.mark.parametrize("how", ["approve", "auto_complete", "dispute_release"])
async def test_a_commission_changed_after_payment_does_not_change_the_release(
    world: MoneyWorld, how: str
) -> None:
    order = await Life.of(world).delivered()
    life = restarted_with(world, seller_commission_bps=5000, buyer_fee_bps=1000)
    if how == "approve":
        await life.delivery.approve(order.id, BUYER)
    elif how == "auto_complete":
        assert order.auto_complete_at is not None
        world.clock.set(order.auto_complete_at)
        assert await life.delivery.auto_complete_due() == 1
    else:
        await life.disputes.open_dispute(order.id, BUYER, "Not what I ordered", [FILE_PART])
        await life.disputes.release(order.id, ADMIN)
    assert await balance(world, seller_payable(SELLER)) == 1600  # 20 %, not 50 %
    assert await balance(world, PLATFORM_FEES) == 2310 - 1600


async def test_a_tip_pays_the_commission_of_its_order_not_the_current_one(
    world: MoneyWorld,
) -> None:
    life = Life.of(world)
    order = await life.delivered()
    await life.delivery.approve(order.id, BUYER)
    life = restarted_with(world, seller_commission_bps=0)
    paid = TipPaid(order.id, BUYER, "USD", 500, "tg_tip_frozen", "ch_tip_frozen")
    assert await life.tips.record(paid)
    assert await balance(world, seller_payable(SELLER)) == 1600 + 400  # 20 % of the tip kept


@pytest.mark.parametrize(
    ("percent", "buyer", "seller", "platform"),
    [
        # 0 %: exactly what a release pays (the buyer's fees are never the seller's)
        (0, 0, 1600, 710),
        # 40 %: 8.00 of the subtotal + 40 % of the 3.10 fees back; 12.00 less 20 % to the seller
        (40, 800 + 124, 960, 240 + 186),
        (50, 1000 + 155, 800, 200 + 155),
        (100, 2310, 0, 0),  # everything back
    ],
)
async def test_a_split_divides_the_subtotal_and_refunds_fees_in_proportion(
    world: MoneyWorld, percent: int, buyer: int, seller: int, platform: int
) -> None:
    life = Life.of(world)
    order = await life.delivered()
    await life.disputes.open_dispute(order.id, BUYER, "Only half of it is done", [FILE_PART])
    life = restarted_with(world, seller_commission_bps=5000)  # not the order's rate
    await life.disputes.split(order.id, ADMIN, percent)
    assert await balance(world, EXTERNAL_REFUNDS) == buyer
    assert sum(r.amount_minor for r in world.gateway.refunds.values()) == buyer
    assert await balance(world, seller_payable(SELLER)) == seller
    assert await balance(world, PLATFORM_FEES) == platform
    assert await world.escrow(order.id) == 0
