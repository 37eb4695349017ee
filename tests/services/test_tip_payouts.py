"""Tips are paid out on their own: from the tip's own charge, after the tip's own clearance.

Why: tips used to ride on the order's transfer, whose `source_transaction` is the order's
charge. Two 25 % tips on a 20.00 order asked Stripe for 24.00 out of a 23.10 charge; Stripe
refused, `payout_error` was set and the seller was never paid. Tips also skipped clearance.
"""

from __future__ import annotations

from datetime import timedelta

from bot.domain.ledger import seller_payable
from bot.domain.money import Money
from bot.domain.pricing import seller_settlement
from bot.payments.gateway import PaymentDeclined
from bot.services.orders.tip_ports import tip_payout_key
from bot.services.orders.tips import TipPaid
from bot.services.ports import OrderRecord
from tests.services.money_world import ADMIN, BUYER, SELLER, MoneyWorld
from tests.services.order_life import Life
from tests.services.test_payouts_webhooks import onboard_seller

DAY = timedelta(days=1)


async def approved(world: MoneyWorld, currency: str = "USD") -> tuple[Life, OrderRecord]:
    life = Life.of(world)
    order = await life.delivered(currency)
    await life.delivery.approve(order.id, BUYER)
    return life, await world.order(order.id)


async def tip(world: MoneyWorld, life: Life, order: OrderRecord, amount: int, n: int) -> str:
    """A tip paid through Telegram's Stripe invoice: a charge of its own."""
    charge = "" if order.currency == "XTR" else world.gateway.create_charge(amount, order.currency)
    paid = TipPaid(order.id, BUYER, order.currency, amount, f"tg_tip_{n}", charge)
    assert await life.tips.record(paid)
    return charge


async def payable(world: MoneyWorld, currency: str = "USD") -> int:
    async with world.uow(read_only=True) as uow:
        return await uow.ledger.balance(seller_payable(SELLER), currency)


def net(world: MoneyWorld, amount: int) -> int:
    commission_bps = world.orders.policy.seller_commission_bps
    return seller_settlement(Money(amount, "USD"), commission_bps).seller_net.amount_minor


async def test_two_large_tips_do_not_block_the_order_and_are_paid_from_their_own_charges(
    world: MoneyWorld,
) -> None:
    life, order = await approved(world)
    account = await onboard_seller(world)
    world.clock.advance(DAY)
    tip_charges = [await tip(world, life, order, 500, n) for n in (1, 2)]  # 25 % each
    # The order has cleared; the tips, paid a day later, have not.
    world.clock.advance(world.settings.clearance_period - DAY)
    assert await world.payouts.pay_due() == 1
    (transfer,) = world.gateway.transfers.values()
    assert transfer.source_transaction == order.provider_charge_id
    assert transfer.amount_minor == net(world, order.subtotal_minor)  # the order's net only
    assert (await world.order(order.id)).payout_error is None
    assert await payable(world) == 2 * net(world, 500)
    # A day later the tips have cleared too: one transfer each, from the tip's own charge.
    world.clock.advance(DAY)
    assert await world.payouts.pay_due() == 2
    tip_transfers = [t for t in world.gateway.transfers.values() if t is not transfer]
    assert sorted(t.source_transaction or "" for t in tip_transfers) == sorted(tip_charges)
    assert all(t.amount_minor == net(world, 500) for t in tip_transfers)
    assert all(t.destination == account for t in tip_transfers)
    keys = sorted(c.params["idempotency_key"] for c in world.gateway.calls_of("transfer"))
    assert keys == ["order:1:payout", tip_payout_key(1), tip_payout_key(2)]
    assert await payable(world) == 0
    assert await world.payouts.pay_due() == 0  # nothing is paid twice
    async with world.uow(read_only=True) as uow:
        kinds = [t.kind for t in await uow.ledger.order_transactions(order.id)]
    assert kinds.count("payout") == 1 and kinds.count("tip_payout") == 2


async def test_a_tip_waits_for_its_own_clearance_and_for_onboarding(world: MoneyWorld) -> None:
    life, order = await approved(world)
    world.clock.advance(world.settings.clearance_period)
    await tip(world, life, order, 300, 1)
    assert await world.payouts.pay_due() == 0  # not onboarded: nothing moves
    await onboard_seller(world)
    assert await world.payouts.pay_due() == 1  # the order, cleared; the tip is brand new
    world.clock.advance(world.settings.clearance_period - timedelta(seconds=1))
    assert await world.payouts.pay_due() == 0
    world.clock.advance(timedelta(seconds=1))
    assert await world.payouts.pay_due() == 1
    assert await payable(world) == 0


async def test_a_refused_tip_transfer_is_left_to_the_operators_once(world: MoneyWorld) -> None:
    life, order = await approved(world)
    await onboard_seller(world)
    await tip(world, life, order, 300, 1)
    world.clock.advance(world.settings.clearance_period)
    world.gateway.fail_next(PaymentDeclined(detail="account closed"), "transfer")
    # The order goes first and is refused; the tip goes through on its own.
    assert await world.payouts.pay_due() == 1
    world.gateway.fail_next(PaymentDeclined(detail="account closed"), "transfer")
    life2_tip = await tip(world, life, order, 200, 2)
    world.clock.advance(world.settings.clearance_period)
    assert await world.payouts.pay_due() == 0  # the second tip is refused for good
    assert await world.payouts.pay_due() == 0  # and not tried again
    async with world.uow(read_only=True) as uow:
        refused = await uow.tips.get_by_provider_charge(life2_tip)
    assert refused is not None and refused.payout_error
    kinds = await world.outbox_kinds()
    assert kinds.count((ADMIN, "ops.alert")) == 2  # the order's refusal and the tip's


async def test_a_card_balance_settled_by_hand_covers_the_tips(world: MoneyWorld) -> None:
    life, order = await approved(world)
    await tip(world, life, order, 500, 1)
    owed = await payable(world)
    assert owed == net(world, order.subtotal_minor) + net(world, 500)
    assert await world.payouts.settle(ADMIN, SELLER, Money(owed, "USD")) == Money(owed, "USD")
    await onboard_seller(world)
    world.clock.advance(world.settings.clearance_period)
    assert await world.payouts.pay_due() == 0  # neither the order nor the tip again
    assert world.gateway.transfers == {}
    async with world.uow(read_only=True) as uow:
        keys = [t.key for t in await uow.ledger.order_transactions(order.id)]
    assert tip_payout_key(1) in keys


async def test_stars_tips_stay_for_the_operator_like_stars_earnings(world: MoneyWorld) -> None:
    life, order = await approved(world, "XTR")
    await tip(world, life, order, 10, 1)
    await onboard_seller(world)
    world.clock.advance(world.settings.clearance_period)
    assert await world.payouts.pay_due() == 0
    owed = await world.payouts.owed(ADMIN)
    assert [o.amount.currency for o in owed] == ["XTR"]
    await world.payouts.settle(ADMIN, SELLER, owed[0].amount)
    assert await payable(world, "XTR") == 0
