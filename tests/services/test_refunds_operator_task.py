"""A refund that cannot be made becomes an operator task: one alert, the buyer told, no retry."""

from __future__ import annotations

from bot.payments.gateway import PaymentDeclined
from bot.services.money.refunds import REFUND_BY_OPERATOR, RefundService
from tests.services.money_world import ADMIN, BUYER, SELLER, MoneyWorld


async def test_no_card_gateway_makes_an_operator_task_once(world: MoneyWorld) -> None:
    no_stripe = RefundService(world.uow, world.clock, None, world.stars, world.settings.admin_ids)
    order = await world.place(await world.add_gig())
    await world.payments.confirm_payment(world.payment(order))
    async with world.uow() as uow:  # cancelled, as any cancellation leaves it
        current = await uow.orders.get(order.id)
        assert current is not None
        await uow.orders.update(order.id, current.version, status="cancelled")
    assert no_stripe.cannot_refund(await world.order(order.id)) is not None
    for _ in range(3):
        assert not await no_stripe.refund_order(order.id)
        await no_stripe.refund_due()
    refused = await world.order(order.id)
    assert refused.refund_error and "STRIPE_SECRET_KEY" in refused.refund_error
    kinds = await world.outbox_kinds()
    assert kinds.count((ADMIN, "ops.alert")) == 1
    assert kinds.count((BUYER, REFUND_BY_OPERATOR)) == 1
    assert await world.escrow(order.id) == order.total_minor  # still held, for the operator


async def test_a_refused_stars_refund_tells_the_buyer_an_operator_handles_it(
    world: MoneyWorld,
) -> None:
    order = await world.place(await world.add_gig("XTR", 100))
    await world.payments.confirm_payment(world.payment(order))
    world.stars.fail_next(PaymentDeclined(detail="CHARGE_NOT_FOUND"))
    await world.orders.seller_decline(order.id, SELLER)
    assert (await world.order(order.id)).refund_error
    kinds = await world.outbox_kinds()
    assert (BUYER, REFUND_BY_OPERATOR) in kinds and (ADMIN, "ops.alert") in kinds
