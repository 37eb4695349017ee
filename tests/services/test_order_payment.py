"""Placing, paying, expiring and declining orders, against SQLite and the fake gateway."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.domain.gig import GigStatus
from bot.errors import Conflict, NotAllowed, NotFound, TransitionRefused, ValidationFailed
from bot.payments.gateway import PaymentDeclined, PaymentUnavailable
from bot.services.money.payments import PaymentOutcome
from tests.services.money_world import ADMIN, BUYER, SELLER, MoneyWorld


async def test_place_order_freezes_prices_and_breakdown(world: MoneyWorld) -> None:
    gig = await world.add_gig(price=2000)
    order = await world.place(gig, extras=(0,))
    # 20.00 + 10.00 express = 30.00; 5.5% = 1.65; below 40.00 -> small-order fee 2.00
    assert (order.subtotal_minor, order.service_fee_minor, order.small_order_fee_minor) == (
        3000,
        165,
        200,
    )
    assert order.total_minor == 3365 and order.currency == "USD" and order.rail == "stripe"
    assert order.delivery_days == 2 and order.revisions_allowed == 1
    assert order.snapshot["package"]["price"] == {"amount_minor": 2000, "currency": "USD"}
    assert order.expires_at == world.clock.now() + world.settings.invoice_ttl


async def test_double_confirm_makes_one_order(world: MoneyWorld) -> None:
    gig = await world.add_gig()
    first, second = await asyncio.gather(world.place(gig, "same"), world.place(gig, "same"))
    assert first.id == second.id
    assert (await world.place(gig, "other")).id != first.id


async def test_place_order_refusals(world: MoneyWorld) -> None:
    gig = await world.add_gig()
    with pytest.raises(NotAllowed):
        await world.place(gig, buyer_id=SELLER)
    with pytest.raises(ValidationFailed):
        await world.place(gig, answers={"1": "Flat"})  # required "Brand name?" missing
    with pytest.raises(ValidationFailed):
        await world.place(gig, answers={"0": "Acme", "1": "Baroque"})
    with pytest.raises(ValidationFailed):
        await world.place(gig, tier="premium")
    with pytest.raises(ValidationFailed):
        await world.place(gig, extras=(5,))
    with pytest.raises(NotFound):
        await world.place(9999)
    async with world.uow() as uow:
        await uow.gigs.set_status(gig, GigStatus.paused, world.clock.now())
    with pytest.raises(NotAllowed):
        await world.place(gig)


async def test_payment_moves_money_into_escrow_and_notifies_both(world: MoneyWorld) -> None:
    gig = await world.add_gig()
    order = await world.place(gig)
    await world.payments.check_pre_checkout(order.id, BUYER, order.total_minor, "USD")
    outcome = await world.payments.confirm_payment(world.payment(order))
    assert outcome is PaymentOutcome.recorded
    paid = await world.order(order.id)
    assert paid.status == "in_progress"
    assert paid.due_at == world.clock.now() + timedelta(days=3)
    assert paid.decline_until == world.clock.now() + world.settings.seller_decline_window
    assert await world.escrow(order.id) == order.total_minor
    assert await world.outbox_kinds() == [
        (SELLER, "order.new_for_seller"),
        (BUYER, "order.receipt"),
    ]


async def test_duplicate_successful_payment_records_one_payment(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig())
    payment = world.payment(order)
    outcomes = await asyncio.gather(*(world.payments.confirm_payment(payment) for _ in range(3)))
    assert sorted(outcomes) == sorted(
        [PaymentOutcome.recorded, PaymentOutcome.duplicate, PaymentOutcome.duplicate]
    )
    assert await world.escrow(order.id) == order.total_minor
    assert len(await world.outbox_kinds()) == 2


@pytest.mark.parametrize("reason", ["expired", "price", "currency", "paused", "blocked", "paid"])
async def test_pre_checkout_refuses_with_a_reason(world: MoneyWorld, reason: str) -> None:
    gig = await world.add_gig()
    order = await world.place(gig)
    total, currency = order.total_minor, "USD"
    if reason == "expired":
        world.clock.advance(world.settings.invoice_ttl)
    elif reason == "price":
        total += 1
    elif reason == "currency":
        currency = "EUR"
    elif reason == "paused":
        async with world.uow() as uow:
            await uow.gigs.set_status(gig, GigStatus.paused, world.clock.now())
    elif reason == "blocked":
        async with world.uow() as uow:
            await uow.users.update_profile(BUYER, world.clock.now(), is_blocked=True)
    else:
        await world.payments.confirm_payment(world.payment(order))
    with pytest.raises((Conflict, NotAllowed)) as refused:
        await world.payments.check_pre_checkout(order.id, BUYER, total, currency)
    assert refused.value.render_untranslated()


async def test_pre_checkout_of_someone_elses_order_is_not_found(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig())
    with pytest.raises(NotFound):
        await world.payments.check_pre_checkout(order.id, ADMIN, order.total_minor, "USD")


async def test_unpaid_orders_expire_and_a_late_payment_is_refunded(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig())
    assert await world.orders.expire_unpaid() == 0
    world.clock.advance(world.settings.invoice_ttl)
    assert await world.orders.expire_unpaid() == 1
    assert await world.orders.expire_unpaid() == 0
    assert (await world.order(order.id)).status == "cancelled"
    payment = world.payment(order)
    assert await world.payments.confirm_payment(payment) is PaymentOutcome.refunding
    assert await world.escrow(order.id) == 0
    [call] = world.gateway.calls_of("refund")
    assert call.params["charge_id"] == payment.provider_charge_id
    assert call.params["amount_minor"] == order.total_minor
    assert call.params["idempotency_key"] == f"order:{order.id}:refund"
    assert (BUYER, "order.refunded") in await world.outbox_kinds()


async def test_seller_declines_and_the_buyer_is_refunded_at_once(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig())
    await world.payments.confirm_payment(world.payment(order))
    with pytest.raises(NotAllowed):
        await world.orders.seller_decline(order.id, BUYER)
    await world.orders.seller_decline(order.id, SELLER)
    assert (await world.order(order.id)).status == "cancelled"
    assert await world.escrow(order.id) == 0
    assert len(world.gateway.refunds) == 1
    with pytest.raises(TransitionRefused):
        await world.orders.seller_decline(order.id, SELLER)


async def test_decline_window_closes(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig())
    await world.payments.confirm_payment(world.payment(order))
    world.clock.advance(world.settings.seller_decline_window)
    with pytest.raises(TransitionRefused):
        await world.orders.seller_decline(order.id, SELLER)


async def test_stars_order_is_paid_and_refunded_through_telegram(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig("XTR", 100))
    assert (order.rail, order.currency, order.small_order_fee_minor) == ("stars", "XTR", 0)
    assert order.total_minor == 100 + 6  # 5.5% of 100 stars, half up
    payment = world.payment(order)
    await world.payments.confirm_payment(payment)
    assert await world.escrow(order.id, "XTR") == order.total_minor
    await world.orders.seller_decline(order.id, SELLER)
    assert world.stars.refunded == [(BUYER, payment.telegram_charge_id)]
    assert await world.escrow(order.id, "XTR") == 0
    assert world.gateway.calls_of("refund") == []


async def test_unavailable_refund_is_retried_by_the_sweep(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig())
    await world.payments.confirm_payment(world.payment(order))
    world.gateway.fail_next(PaymentUnavailable(detail="timeout"), "refund")
    await world.orders.seller_decline(order.id, SELLER)
    assert await world.escrow(order.id) == order.total_minor  # refund pending, nothing moved
    await world.check_books()
    assert await world.refunds.refund_due() == 1
    assert await world.refunds.refund_due() == 0
    assert await world.escrow(order.id) == 0
    assert len(world.gateway.refunds) == 1


async def test_declined_refund_goes_to_the_operator_and_stops_retrying(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig())
    await world.payments.confirm_payment(world.payment(order))
    world.gateway.fail_next(PaymentDeclined(detail="charge disputed"), "refund")
    await world.orders.seller_decline(order.id, SELLER)
    assert (await world.order(order.id)).refund_error
    assert (ADMIN, "ops.alert") in await world.outbox_kinds()
    assert await world.refunds.refund_due() == 0


async def test_payment_and_expiry_racing_give_one_outcome(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig())
    world.clock.advance(world.settings.invoice_ttl)
    payment = world.payment(order)
    await asyncio.gather(world.orders.expire_unpaid(), world.payments.confirm_payment(payment))
    final = await world.order(order.id)
    if final.status == "cancelled":
        assert await world.escrow(order.id) == 0  # paid late and refunded
    else:
        assert final.status == "in_progress"
        assert await world.escrow(order.id) == order.total_minor
