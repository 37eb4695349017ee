"""A card balance settled by hand is never transferred again by the sweep.

Why these tests exist: `settle` used to record a card settlement as one payout with no order, so
`awaiting_payout` still listed every order it covered and, once the seller onboarded Connect,
the sweep transferred each order's net again: the seller was paid twice and their payable went
negative. The `world` fixture's `check_books` refuses a negative internal account at teardown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest

from bot.domain.ledger import (
    EXTERNAL_STRIPE,
    payout,
    seller_payable,
    tip_received,
)
from bot.domain.money import Money
from bot.domain.pricing import seller_settlement
from bot.errors import Conflict
from bot.payments.fake_gateway import FakePaymentGateway
from bot.payments.gateway import TransferResult
from bot.services.payouts.settlement import EXTERNAL_MANUAL, order_payout, payout_key
from bot.services.ports import OrderRecord, OutboxMessage
from bot.storage.repositories.orders import SqlOrderRepository
from tests.services.money_world import ADMIN, SELLER, MoneyWorld
from tests.services.test_payouts_webhooks import completed_order, onboard_seller

ALERT_TWICE = (
    "Order #{order_id} was paid twice: settled by hand and sent by Stripe "
    "transfer {transfer_id} ({amount}). Please reverse the transfer."
)


async def payable(world: MoneyWorld, currency: str = "USD") -> int:
    async with world.uow(read_only=True) as uow:
        return await uow.ledger.balance(seller_payable(SELLER), currency)


async def payouts_of(world: MoneyWorld, order_id: int) -> list[tuple[str, int, str]]:
    """(key, amount paid out, destination) of each payout recorded against the order."""
    async with world.uow(read_only=True) as uow:
        transactions = await uow.ledger.order_transactions(order_id)
    return [
        (t.key, entry.amount.amount_minor, entry.account)
        for t in transactions
        if t.kind == "payout"
        for entry in t.entries
        if entry.amount.is_positive()
    ]


def order_net(world: MoneyWorld, order: OrderRecord) -> int:
    return seller_settlement(
        Money(order.total_minor, order.currency), order.seller_commission_bps
    ).seller_net.amount_minor


async def alerts(world: MoneyWorld) -> Sequence[OutboxMessage]:
    async with world.uow(read_only=True) as uow:
        due = await uow.outbox.claim_due(world.clock.now(), 1000)
    return [m for m in due if m.kind == "ops.alert" and m.chat_id == ADMIN]


async def settle_all(world: MoneyWorld) -> Money:
    [owed] = await world.payouts.owed(ADMIN)
    return await world.payouts.settle(ADMIN, SELLER, owed.amount)


async def test_a_settled_card_balance_is_not_transferred_once_the_seller_onboards(
    world: MoneyWorld,
) -> None:
    order = await completed_order(world, "USD")
    world.clock.advance(world.settings.clearance_period)
    assert await world.payouts.pay_due() == 0  # no Connect account yet
    settled = await settle_all(world)
    assert settled.amount_minor == order_net(world, order)
    await onboard_seller(world)
    assert await world.payouts.pay_due() == 0
    assert world.gateway.calls_of("transfer") == []
    assert world.gateway.transfers == {}
    assert await payable(world) == 0
    assert await payouts_of(world, order.id) == [
        (payout_key(order.id), order_net(world, order), EXTERNAL_MANUAL)
    ]
    async with world.uow(read_only=True) as uow:
        assert not await uow.ledger.has(f"settle:{SELLER}:USD:1")  # all of it was the order
    assert await world.payouts.owed(ADMIN) == []


async def test_a_settlement_before_clearance_also_covers_the_order(world: MoneyWorld) -> None:
    order = await completed_order(world, "USD")
    await settle_all(world)  # the operator need not wait for the clearance period
    await onboard_seller(world)
    world.clock.advance(world.settings.clearance_period)
    assert await world.payouts.pay_due() == 0
    assert world.gateway.transfers == {}
    assert await payable(world) == 0
    assert [key for key, _, _ in await payouts_of(world, order.id)] == [payout_key(order.id)]


async def test_a_settlement_of_orders_and_a_remainder_pays_exactly_the_balance(
    world: MoneyWorld,
) -> None:
    """Two unpaid orders plus a tip on an order the sweep already paid: the orders get their own
    payouts and only the tip is left for the lump-sum `settle:` payout."""
    paid = await completed_order(world, "USD")
    world.clock.advance(world.settings.clearance_period)
    await onboard_seller(world)
    assert await world.payouts.pay_due() == 1
    tip = Money(500, "USD")
    tip_net = seller_settlement(tip, paid.seller_commission_bps).seller_net
    async with world.uow() as uow:
        await uow.ledger.record(
            tip_received(paid.id, "tg_tip_1", tip, SELLER, tip_net, EXTERNAL_STRIPE),
            world.clock.now(),
        )
        await uow.users.update_profile(SELLER, world.clock.now(), payouts_enabled=False)
    gig = await world.add_gig("USD", 3000)
    first = await completed_order(world, "USD", gig_id=gig, key="k2")
    second = await completed_order(world, "USD", gig_id=gig, key="k3")
    expected = order_net(world, first) + order_net(world, second) + tip_net.amount_minor
    assert await payable(world) == expected

    with pytest.raises(Conflict):  # the existing check: only the balance as listed
        await world.payouts.settle(ADMIN, SELLER, Money(expected - 1, "USD"))
    assert await payouts_of(world, first.id) == []
    assert await world.payouts.settle(ADMIN, SELLER, Money(expected, "USD")) == Money(
        expected, "USD"
    )

    assert await payable(world) == 0
    for order in (first, second):
        assert await payouts_of(world, order.id) == [
            (payout_key(order.id), order_net(world, order), EXTERNAL_MANUAL)
        ]
    async with world.uow(read_only=True) as uow:
        balances = await uow.ledger.balances()
        assert await uow.ledger.has(f"settle:{SELLER}:USD:1")
    assert balances[(EXTERNAL_MANUAL, "USD")] == expected  # orders + remainder, nothing more

    async with world.uow() as uow:
        await uow.users.update_profile(SELLER, world.clock.now(), payouts_enabled=True)
    world.clock.advance(world.settings.clearance_period)
    assert await world.payouts.pay_due() == 0
    assert len(world.gateway.transfers) == 1  # only the first order's, before the settlement


def transfer_then(
    monkeypatch: pytest.MonkeyPatch, gateway: FakePaymentGateway, meanwhile: Any
) -> None:
    """Run `meanwhile()` after the gateway made a transfer and before the sweep records it."""
    real = gateway.transfer

    async def transfer(*args: Any, **kwargs: Any) -> TransferResult:
        result = await real(*args, **kwargs)
        await meanwhile()
        return result

    monkeypatch.setattr(gateway, "transfer", transfer)


async def test_a_settlement_between_transfer_and_record_alerts_the_operators(
    world: MoneyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = await completed_order(world, "USD")
    world.clock.advance(world.settings.clearance_period)
    await onboard_seller(world)

    async def operator_settles() -> None:
        await settle_all(world)

    transfer_then(monkeypatch, world.gateway, operator_settles)
    assert await world.payouts.pay_due() == 0  # the record lost: not counted as paid
    [transfer] = world.gateway.transfers.values()
    assert await payable(world) == 0  # the ledger holds the manual payout only
    assert [dest for _, _, dest in await payouts_of(world, order.id)] == [EXTERNAL_MANUAL]
    [alert] = await alerts(world)
    assert alert.payload["message"] == ALERT_TWICE
    assert alert.payload["params"] == {
        "order_id": str(order.id),
        "amount": Money(order_net(world, order), "USD").format(),
        "transfer_id": transfer.transfer_id,
    }


async def test_another_sweep_recording_the_same_transfer_is_no_alert(
    world: MoneyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two replicas transferring one order send one idempotency key: one transfer, no alarm."""
    order = await completed_order(world, "USD")
    world.clock.advance(world.settings.clearance_period)
    await onboard_seller(world)

    async def other_replica_records() -> None:
        net = Money(order_net(world, order), "USD")
        async with world.uow() as uow:
            await uow.ledger.record(order_payout(order.id, SELLER, net), world.clock.now())

    transfer_then(monkeypatch, world.gateway, other_replica_records)
    assert await world.payouts.pay_due() == 0
    assert len(world.gateway.transfers) == 1
    assert await payable(world) == 0
    assert await alerts(world) == []


async def test_the_sweep_rechecks_the_order_before_transferring(
    world: MoneyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep that listed the order before the operator settled it transfers nothing."""
    order = await completed_order(world, "USD")
    world.clock.advance(world.settings.clearance_period)
    await onboard_seller(world)
    async with world.uow(read_only=True) as uow:
        stale = await uow.orders.awaiting_payout(world.clock.now(), 100)
    assert stale == [order.id]
    await settle_all(world)

    async def listed_before(self: SqlOrderRepository, before: datetime, limit: int) -> list[int]:
        return list(stale)

    monkeypatch.setattr(SqlOrderRepository, "awaiting_payout", listed_before)
    assert await world.payouts.pay_due() == 0
    assert world.gateway.calls_of("transfer") == []
    assert await payable(world) == 0


async def test_an_order_settled_as_a_lump_sum_before_this_fix_is_not_transferred(
    world: MoneyWorld,
) -> None:
    """Settlements written by the old code have no order: the payable no longer holds the
    order's net, so the sweep leaves it alone (the payable would go negative) and says so."""
    order = await completed_order(world, "USD")
    net = Money(order_net(world, order), "USD")
    async with world.uow() as uow:
        await uow.ledger.record(
            payout(SELLER, net, f"settle:{SELLER}:USD:1", EXTERNAL_MANUAL), world.clock.now()
        )
    world.clock.advance(world.settings.clearance_period)
    await onboard_seller(world)
    assert await world.payouts.pay_due() == 0
    assert await world.payouts.pay_due() == 0
    assert world.gateway.calls_of("transfer") == []
    assert await payable(world) == 0
    [alert] = await alerts(world)  # once, however often the sweep looks
    assert alert.payload["params"] == {"order_id": str(order.id), "amount": net.format()}
