"""A dispute split racing another resolution while its refund is at Stripe.

Why: the split refunds the buyer's share at the provider before its ledger transaction can be
written, outside any transaction. If another operator releases (or refunds) the dispute in that
window, the split cannot be written any more, yet the buyer's share has already left at Stripe:
the operators must be told, with what to reconcile. A second identical split is no such case
(same idempotency key, the first split recorded the refund) and must not raise a false alarm.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.domain.ledger import seller_payable
from bot.domain.money import Money
from bot.domain.order import OrderStatus
from bot.errors import Conflict
from bot.services.orders.steps import OPS_ALERT
from bot.services.ports import OrderRecord, OutboxMessage
from tests.services.money_world import ADMIN, BUYER, SELLER, MoneyWorld
from tests.services.order_life import Life

Resolve = Callable[[Life, int], Awaitable[object]]


async def disputed(life: Life) -> int:
    order = await life.delivered()
    await life.disputes.open_dispute(order.id, BUYER, "The logo is not what I ordered")
    return order.id


def resolve_during_refund(life: Life, monkeypatch: pytest.MonkeyPatch, resolve: Resolve) -> None:
    """Run `resolve` once, right after the split's refund went through at the provider."""
    real = life.world.refunds.refund_part
    ran = False

    async def refund_then_resolve(order: OrderRecord, amount_minor: int, key: str) -> None:
        nonlocal ran
        await real(order, amount_minor, key)
        if not ran:
            ran = True
            await resolve(life, order.id)

    monkeypatch.setattr(life.world.refunds, "refund_part", refund_then_resolve)


async def alerts(world: MoneyWorld) -> list[OutboxMessage]:
    async with world.uow(read_only=True) as uow:
        due = await uow.outbox.claim_due(world.clock.now(), 1000)
    return [m for m in due if m.kind == OPS_ALERT]


async def release(life: Life, order_id: int) -> object:
    return await life.disputes.release(order_id, ADMIN)


async def refund(life: Life, order_id: int) -> object:
    return await life.disputes.refund(order_id, ADMIN)


@pytest.mark.parametrize("other", [release, refund], ids=["release", "refund"])
async def test_split_after_another_resolution_alerts_the_operators(
    world: MoneyWorld, monkeypatch: pytest.MonkeyPatch, other: Resolve
) -> None:
    life = Life.of(world)
    order_id = await disputed(life)
    resolve_during_refund(life, monkeypatch, other)
    with pytest.raises(Conflict):
        await life.disputes.split(order_id, ADMIN, 40)
    [split_refund, *_] = world.gateway.calls_of("refund")
    assert split_refund.params["idempotency_key"] == f"order:{order_id}:split"
    amount = split_refund.params["amount_minor"]
    assert amount > 0  # the buyer's 40% did leave at Stripe
    order = await world.order(order_id)
    assert order.status != OrderStatus.split
    split_alerts = [a for a in await alerts(world) if "split" in str(a.payload["message"])]
    assert [a.chat_id for a in split_alerts] == [ADMIN]
    params = split_alerts[0].payload["params"]
    assert params["order_id"] == str(order_id)
    assert params["key"] == f"order:{order_id}:split"
    assert params["amount"] == Money(amount, "USD").format()


async def test_a_second_identical_split_is_refused_without_an_alert(
    world: MoneyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    life = Life.of(world)
    order_id = await disputed(life)

    async def same_split(life: Life, order_id: int) -> object:
        return await life.disputes.split(order_id, ADMIN, 40)

    resolve_during_refund(life, monkeypatch, same_split)
    with pytest.raises(Conflict):
        await life.disputes.split(order_id, ADMIN, 40)
    assert (await world.order(order_id)).status == OrderStatus.split
    assert len(world.gateway.refunds) == 1  # the replayed key refunded nothing twice
    assert await alerts(world) == []
    async with world.uow(read_only=True) as uow:
        assert await uow.ledger.balance(seller_payable(SELLER), "USD") > 0
