"""`charge.refunded`: only what is newly refunded is booked, once, and mismatches alert."""

from __future__ import annotations

from typing import Any

from bot.domain.ledger import EXTERNAL_REFUNDS
from bot.payments.gateway import PaymentUnavailable
from bot.payments.webhooks import StripeEvent
from bot.services.orders.tips import TipPaid
from bot.services.ports import OrderRecord
from tests.services.money_world import ADMIN, BUYER, SELLER, MoneyWorld
from tests.services.order_life import Life
from tests.services.test_payouts_webhooks import completed_order


async def cancelled_with_refund_pending(world: MoneyWorld) -> tuple[OrderRecord, str]:
    """A paid card order declined while Stripe was down: its escrow waits for a refund."""
    order = await world.place(await world.add_gig())
    payment = world.payment(order)
    await world.payments.confirm_payment(payment)
    world.gateway.fail_next(PaymentUnavailable(detail="network down"), "refund")
    await world.orders.seller_decline(order.id, SELLER)
    assert await world.escrow(order.id) == order.total_minor
    return await world.order(order.id), payment.provider_charge_id


def refunded_event(
    event_id: str,
    charge: str,
    cumulative: int,
    refunds: list[tuple[str, int]] | None = None,
    currency: str = "usd",
) -> StripeEvent:
    """A `charge.refunded` event as Stripe sends it (refunds listed newest first)."""
    charge_object: dict[str, Any] = {
        "id": charge, "object": "charge", "amount_refunded": cumulative, "currency": currency,
        "refunded": False,
    }  # fmt: skip
    if refunds is not None:
        charge_object["refunds"] = {
            "object": "list",
            "data": [
                {"id": rid, "amount": amount, "created": 1000 - n}
                for n, (rid, amount) in enumerate(refunds)
            ],
        }
    return StripeEvent(event_id, "charge.refunded", 1, charge_object)


async def refunds_booked(world: MoneyWorld, order_id: int) -> list[tuple[str, int]]:
    async with world.uow(read_only=True) as uow:
        transactions = await uow.ledger.order_transactions(order_id)
    return [
        (t.key, t.amount_for(EXTERNAL_REFUNDS, "USD")) for t in transactions if t.kind == "refund"
    ]


async def test_a_partial_dashboard_refund_books_only_its_amount(world: MoneyWorld) -> None:
    order, charge = await cancelled_with_refund_pending(world)
    await world.gateway.refund(charge, 100, "USD", "dashboard-1")  # 1.00 from the dashboard
    event = refunded_event("evt_1", charge, 100, [("re_dash_1", 100)])
    assert await world.webhooks.apply(event)
    assert await world.escrow(order.id) == order.total_minor - 100
    assert await refunds_booked(world, order.id) == [(f"order:{order.id}:refund:re_dash_1", 100)]
    # The same refund again (another delivery, another event id): nothing more.
    await world.webhooks.apply(refunded_event("evt_2", charge, 100, [("re_dash_1", 100)]))
    assert await world.escrow(order.id) == order.total_minor - 100
    # The sweep gives the buyer the rest, and only the rest.
    assert await world.refunds.refund_due() == 1
    assert await world.escrow(order.id) == 0
    assert world.gateway.charges[charge].refunded_minor == order.total_minor
    assert sorted(amount for _key, amount in await refunds_booked(world, order.id)) == [
        100,
        order.total_minor - 100,
    ]


async def test_the_event_of_our_own_refund_books_nothing_more(world: MoneyWorld) -> None:
    order, charge = await cancelled_with_refund_pending(world)
    assert await world.refunds.refund_due() == 1
    await world.webhooks.apply(
        refunded_event("evt_1", charge, order.total_minor, [("re_ours", order.total_minor)])
    )
    assert await refunds_booked(world, order.id) == [
        (f"order:{order.id}:refund", order.total_minor)
    ]
    assert (ADMIN, "ops.alert") not in await world.outbox_kinds()


async def test_the_event_first_then_our_refund_still_books_it_once(world: MoneyWorld) -> None:
    order, charge = await cancelled_with_refund_pending(world)
    await world.gateway.refund(charge, order.total_minor, "USD", f"order:{order.id}:refund")
    event = refunded_event("evt_1", charge, order.total_minor, [("re_1", order.total_minor)])
    await world.webhooks.apply(event)
    assert await world.refunds.refund_due() == 0  # the escrow is empty: nothing to record
    assert sum(a for _k, a in await refunds_booked(world, order.id)) == order.total_minor
    kinds = await world.outbox_kinds()
    assert kinds.count((BUYER, "order.refunded")) == 1


async def test_without_a_refund_list_each_cumulative_amount_books_its_difference(
    world: MoneyWorld,
) -> None:
    order, charge = await cancelled_with_refund_pending(world)
    await world.webhooks.apply(refunded_event("evt_1", charge, 100))
    await world.webhooks.apply(refunded_event("evt_2", charge, 300))
    await world.webhooks.apply(refunded_event("evt_3", charge, 300))  # the same state again
    assert sorted(a for _k, a in await refunds_booked(world, order.id)) == [100, 200]
    assert await world.escrow(order.id) == order.total_minor - 300
    # Leave the books as a finished deal: the rest is refunded by the sweep.
    await world.gateway.refund(charge, 300, "USD", "dashboard")
    assert await world.refunds.refund_due() == 1


async def test_a_refund_in_another_currency_alerts_and_books_nothing(world: MoneyWorld) -> None:
    order, charge = await cancelled_with_refund_pending(world)
    await world.webhooks.apply(refunded_event("evt_1", charge, 100, currency="eur"))
    assert await refunds_booked(world, order.id) == []
    assert (ADMIN, "ops.alert") in await world.outbox_kinds()
    assert await world.refunds.refund_due() == 1


async def test_more_refunded_than_the_escrow_holds_alerts(world: MoneyWorld) -> None:
    order = await completed_order(world)  # released: the escrow is empty
    await world.webhooks.apply(
        refunded_event("evt_1", order.provider_charge_id or "", 500, [("re_1", 500)])
    )
    assert await refunds_booked(world, order.id) == []
    assert (ADMIN, "ops.alert") in await world.outbox_kinds()


async def test_a_refund_of_an_open_order_alerts_and_books_nothing(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig())
    payment = world.payment(order)
    await world.payments.confirm_payment(payment)
    await world.webhooks.apply(
        refunded_event("evt_1", payment.provider_charge_id, 100, [("re_1", 100)])
    )
    assert await world.escrow(order.id) == order.total_minor
    assert (ADMIN, "ops.alert") in await world.outbox_kinds()


async def test_a_refunded_tip_charge_alerts_the_operators(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.delivered()
    await life.delivery.approve(order.id, BUYER)
    charge = world.gateway.create_charge(300, "USD")
    assert await life.tips.record(TipPaid(order.id, BUYER, "USD", 300, "tg_tip_1", charge))
    await world.webhooks.apply(refunded_event("evt_1", charge, 300, [("re_1", 300)]))
    assert (ADMIN, "ops.alert") in await world.outbox_kinds()
