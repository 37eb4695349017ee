"""A second charge for a paid order: booked apart under its own keys, refunded once."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.ledger import duplicate_account, duplicate_payment_key, duplicate_refund_key
from bot.payments.gateway import PaymentDeclined, PaymentUnavailable
from bot.services.money.payments import PaymentOutcome
from bot.services.money.refunds import REFUND_BY_OPERATOR
from bot.services.ports import OrderRecord
from tests.services.money_world import ADMIN, BUYER, MoneyWorld


async def paid(world: MoneyWorld, currency: str = "USD") -> OrderRecord:
    order = await world.place(await world.add_gig(currency, 2000 if currency != "XTR" else 100))
    assert await world.payments.confirm_payment(world.payment(order)) is PaymentOutcome.recorded
    return await world.order(order.id)


async def keys(world: MoneyWorld, order_id: int) -> list[str]:
    async with world.uow(read_only=True) as uow:
        return [t.key for t in await uow.ledger.order_transactions(order_id)]


async def held_apart(world: MoneyWorld, order: OrderRecord) -> int:
    async with world.uow(read_only=True) as uow:
        return await uow.ledger.balance(duplicate_account(order.id), order.currency)


async def test_a_second_card_charge_is_refunded_once_with_keys_naming_it(
    world: MoneyWorld,
) -> None:
    order = await paid(world)
    second = world.payment(order, "tg_second")
    for _ in range(3):  # Telegram redelivers the update
        outcome = await world.payments.confirm_payment(second)
        assert outcome in (PaymentOutcome.refunding, PaymentOutcome.duplicate)
    (call,) = world.gateway.calls_of("refund")
    assert call.params["charge_id"] == second.provider_charge_id
    assert call.params["idempotency_key"] == duplicate_refund_key(order.id, "tg_second")
    assert world.gateway.charges[second.provider_charge_id].refunded_minor == order.total_minor
    assert world.gateway.charges[order.provider_charge_id or ""].refunded_minor == 0
    assert await keys(world, order.id) == [
        f"order:{order.id}:payment",
        duplicate_payment_key(order.id, "tg_second"),
        duplicate_refund_key(order.id, "tg_second"),
    ]
    assert await world.escrow(order.id) == order.total_minor
    assert await held_apart(world, order) == 0
    assert (await world.order(order.id)).telegram_charge_id == order.telegram_charge_id
    kinds = await world.outbox_kinds()
    assert (BUYER, "order.paid_twice") in kinds and (BUYER, "order.refunded") in kinds
    assert (ADMIN, "ops.alert") not in kinds


async def test_a_second_stars_payment_is_refunded_through_telegram(world: MoneyWorld) -> None:
    order = await paid(world, "XTR")
    second = world.payment(order, "stx_second")
    assert await world.payments.confirm_payment(second) is PaymentOutcome.refunding
    assert world.stars.refunded == [(BUYER, "stx_second")]
    assert await world.escrow(order.id, "XTR") == order.total_minor
    assert await held_apart(world, order) == 0


async def test_an_outage_leaves_the_second_charge_to_the_sweep(world: MoneyWorld) -> None:
    order = await paid(world)
    world.gateway.fail_next(PaymentUnavailable(detail="network down"), "refund")
    second = world.payment(order, "tg_second")
    assert await world.payments.confirm_payment(second) is PaymentOutcome.refunding
    assert await held_apart(world, order) == order.total_minor  # booked, not yet refunded
    assert await world.refunds.refund_due() == 1
    assert await world.refunds.refund_due() == 0
    assert await held_apart(world, order) == 0
    assert world.gateway.charges[second.provider_charge_id].refunded_minor == order.total_minor


async def test_a_refused_refund_of_a_second_charge_is_an_operator_task(world: MoneyWorld) -> None:
    order = await paid(world)
    world.gateway.fail_next(PaymentDeclined(detail="charge disputed"), "refund")
    await world.payments.confirm_payment(world.payment(order, "tg_second"))
    for _ in range(2):
        await world.refunds.refund_due()  # not retried
    assert len(world.gateway.calls_of("refund")) == 1
    kinds = await world.outbox_kinds()
    assert kinds.count((ADMIN, "ops.alert")) == 1
    assert (BUYER, REFUND_BY_OPERATOR) in kinds and (BUYER, "order.paid_twice") in kinds
    assert await held_apart(world, order) == order.total_minor


async def test_a_payment_for_no_order_still_alerts_the_operators(world: MoneyWorld) -> None:
    order = await paid(world)
    stray = replace(world.payment(order, "tg_stray"), order_id=order.id + 100)
    assert await world.payments.confirm_payment(stray) is PaymentOutcome.unknown_order
    assert (ADMIN, "ops.alert") in await world.outbox_kinds()
    assert world.gateway.calls_of("refund") == []


async def test_a_late_stars_payment_is_refunded_through_telegram(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig("XTR", 100))
    world.clock.advance(world.settings.invoice_ttl)
    assert await world.orders.expire_unpaid() == 1
    late = world.payment(order, "stx_late")
    assert await world.payments.confirm_payment(late) is PaymentOutcome.refunding
    assert await world.payments.confirm_payment(late) is PaymentOutcome.duplicate
    assert world.stars.refunded == [(BUYER, "stx_late")]
    assert await world.escrow(order.id, "XTR") == 0
    kinds = await world.outbox_kinds()
    assert (BUYER, "order.paid_late") in kinds and (BUYER, "order.refunded") in kinds
