"""Payouts after clearance, Stars settlement by operators, and Stripe webhooks."""

from __future__ import annotations

import json
import time

import pytest

from bot.domain.ledger import release_to_seller, seller_payable
from bot.domain.money import Money
from bot.domain.pricing import seller_settlement
from bot.errors import Conflict, NotAllowed
from bot.payments.gateway import PaymentUnavailable
from bot.payments.webhooks import sign_stripe_payload
from bot.services.ports import OrderRecord
from tests.services.money_world import ADMIN, BUYER, SELLER, WEBHOOK_SECRET, MoneyWorld


async def completed_order(
    world: MoneyWorld, currency: str = "USD", *, gig_id: int | None = None, key: str = "k1"
) -> OrderRecord:
    """An order paid and released (completion belongs to the delivery flow; done by hand), on
    a new gig or on `gig_id` (with its own confirm `key` for a second order)."""
    if gig_id is None:
        gig_id = await world.add_gig(currency, 2000 if currency != "XTR" else 100)
    order = await world.place(gig_id, key=key)
    await world.payments.confirm_payment(world.payment(order))
    order = await world.order(order.id)
    total = Money(order.total_minor, order.currency)
    split = seller_settlement(total, order.seller_commission_bps)
    async with world.uow() as uow:
        await uow.orders.update(order.id, order.version, status="completed")
        await uow.ledger.record(
            release_to_seller(order.id, total, SELLER, split.seller_net, split.commission),
            world.clock.now(),
        )
    return order


async def onboard_seller(world: MoneyWorld) -> str:
    account = await world.gateway.create_connected_account(SELLER, "US", None, "acct-1")
    world.gateway.complete_onboarding(account)
    async with world.uow() as uow:
        await uow.users.update_profile(
            SELLER, world.clock.now(), stripe_account_id=account, payouts_enabled=True
        )
    return account


async def test_payout_waits_for_clearance_and_onboarding(world: MoneyWorld) -> None:
    order = await completed_order(world)
    assert await world.payouts.pay_due() == 0  # not cleared
    world.clock.advance(world.settings.clearance_period)
    assert await world.payouts.pay_due() == 0  # seller not onboarded: skipped
    account = await onboard_seller(world)
    assert await world.payouts.pay_due() == 1
    assert await world.payouts.pay_due() == 0
    [transfer] = world.gateway.transfers.values()
    assert transfer.destination == account and transfer.transfer_group == f"order_{order.id}"
    assert transfer.source_transaction == order.provider_charge_id
    assert world.gateway.calls_of("transfer")[0].params["idempotency_key"] == (
        f"order:{order.id}:payout"
    )
    async with world.uow(read_only=True) as uow:
        assert await uow.ledger.balance(seller_payable(SELLER), "USD") == 0


async def test_stars_earnings_are_listed_and_settled_once(world: MoneyWorld) -> None:
    await completed_order(world, "XTR")
    with pytest.raises(NotAllowed):
        await world.payouts.owed(BUYER)
    [owed] = await world.payouts.owed(ADMIN)
    assert owed.seller_id == SELLER and owed.amount.currency == "XTR"
    assert await world.payouts.pay_due() == 0  # Stars are never transferred by Stripe
    await world.payouts.settle(ADMIN, SELLER, owed.amount)
    with pytest.raises(Conflict):
        await world.payouts.settle(ADMIN, SELLER, owed.amount)
    assert await world.payouts.owed(ADMIN) == []


def signed(event: dict[str, object], secret: str = WEBHOOK_SECRET) -> tuple[bytes, str]:
    body = json.dumps(event).encode()
    return body, sign_stripe_payload(body, secret, int(time.time()))


async def test_webhook_with_a_bad_signature_has_no_effect(world: MoneyWorld) -> None:
    await world.add_gig()
    event = {
        "id": "evt_1",
        "type": "account.updated",
        "created": 1,
        "data": {"object": {"id": "acct_x", "payouts_enabled": True, "details_submitted": True}},
    }
    body, _good = signed(event)
    _body, forged = signed(event, "whsec_wrong")
    assert await world.webhooks.handle(body, forged) == 400
    assert await world.webhooks.handle(body, None) == 400
    async with world.uow() as uow:
        assert await uow.stripe_events.claim("evt_1", "x", world.clock.now())  # never stored


async def test_account_updated_enables_payouts_once(world: MoneyWorld) -> None:
    async with world.uow() as uow:
        await uow.users.update_profile(SELLER, world.clock.now(), stripe_account_id="acct_s")
    event = {
        "id": "evt_2",
        "type": "account.updated",
        "created": 1,
        "data": {"object": {"id": "acct_s", "payouts_enabled": True, "details_submitted": True}},
    }
    body, signature = signed(event)
    assert await world.webhooks.handle(body, signature) == 200
    async with world.uow(read_only=True) as uow:
        seller = await uow.users.get(SELLER)
    assert seller is not None and seller.payouts_enabled


async def test_replayed_refund_event_is_applied_once(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig())
    payment = world.payment(order)
    await world.payments.confirm_payment(payment)
    world.gateway.fail_next(PaymentUnavailable(detail="network down"), "refund")
    await world.orders.seller_decline(order.id, SELLER)
    assert await world.escrow(order.id) == order.total_minor  # our refund call failed
    event = {
        "id": "evt_3",
        "type": "charge.refunded",
        "created": 1,
        "data": {
            "object": {
                "id": payment.provider_charge_id,
                "refunded": True,
                "amount_refunded": order.total_minor,
                "currency": "usd",
            }
        },
    }
    body, signature = signed(event)
    for _ in range(3):
        assert await world.webhooks.handle(body, signature) == 200
    assert await world.escrow(order.id) == 0
    kinds = await world.outbox_kinds()
    assert kinds.count((BUYER, "order.refunded")) == 1


async def test_dispute_event_alerts_operators(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig())
    payment = world.payment(order)
    await world.payments.confirm_payment(payment)
    event = {
        "id": "evt_4",
        "type": "charge.dispute.created",
        "created": 1,
        "data": {"object": {"id": "dp_1", "charge": payment.provider_charge_id}},
    }
    body, signature = signed(event)
    assert await world.webhooks.handle(body, signature) == 200
    assert (ADMIN, "ops.alert") in await world.outbox_kinds()
