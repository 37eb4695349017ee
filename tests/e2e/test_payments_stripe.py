"""Card payments end to end against localstripe: real charges, refunds, webhooks, crashes.

The simulator creates a real localstripe charge when the buyer pays (as Telegram does with
Stripe as provider); the bot refunds it through the real `StripeGateway`, behind the local
Connect stand-in. Webhooks reach the bot's own HTTP server, signed as Stripe signs them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.domain.ledger import escrow_account
from bot.payments.stripe_gateway import StripeGateway
from bot.payments.webhooks import sign_stripe_payload
from bot.services.money.payments import invoice_payload
from bot.services.orders.ordering import OrderService
from bot.web.server import STRIPE_PATH
from telegram_sim.stripe_connect import StripeConnectStandIn
from tests.e2e.test_orders import books_balance, order_until_invoice, publish_gig
from tests.fakes.notifiers import UnreachableNotifier
from tests.fixtures.stripe import STRIPE_TEST_SECRET_KEY, STRIPE_WEBHOOK_SECRET, ChargeMaker
from tests.harness import Harness, start_harness

OPERATOR = "olga_ops"
ORDER_TOTAL = 3365  # 30.00 package + 1.65 service fee + 2.00 small-order fee


async def _card_shop(
    folder: Path, stripe_api: StripeConnectStandIn, **bot_overrides: Any
) -> Harness:
    gateway = StripeGateway(STRIPE_TEST_SECRET_KEY, api_base=stripe_api.url)
    sim, bot, clock = await start_harness(
        folder,
        serve_http=True,
        gateway=gateway,
        sim_options={
            "stripe_api_base": stripe_api.url,
            "stripe_secret_key": STRIPE_TEST_SECRET_KEY,
        },
        bot_overrides=bot_overrides,
        telegram_provider_token="284685063:TEST:sim",
        stripe_secret_key=STRIPE_TEST_SECRET_KEY,
        stripe_api_base=stripe_api.url,
        stripe_webhook_secret=STRIPE_WEBHOOK_SECRET,
        operators=[OPERATOR],
    )
    return Harness(sim, bot, clock)


@pytest.fixture
async def card_shop(tmp_path: Path, stripe_api: StripeConnectStandIn) -> AsyncIterator[Harness]:
    harness = await _card_shop(tmp_path, stripe_api)
    try:
        yield harness
    finally:
        await harness.bot.stop()
        await harness.sim.stop()


async def _charge(stripe_api: StripeConnectStandIn, charge_id: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {STRIPE_TEST_SECRET_KEY}"}
    url = f"{stripe_api.url}/v1/charges/{charge_id}"
    async with aiohttp.ClientSession(headers=headers) as session, session.get(url) as response:
        assert response.status == 200
        charge: dict[str, Any] = await response.json()
        return charge


async def _post_event(harness: Harness, event: dict[str, Any], signature: str | None) -> int:
    headers = {"Stripe-Signature": signature} if signature else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            harness.bot.http_url + STRIPE_PATH, data=json.dumps(event), headers=headers
        ) as response,
    ):
        return response.status


async def _until_escrow_holds(harness: Harness, amount: int, within: float = 5.0) -> None:
    """Wait until the bot has committed the payment (pay() returns when Telegram sent it)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        balances = await books_balance(harness)
        if balances.get((escrow_account(1), "USD")) == amount:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"escrow never held {amount}: {balances}")
        await asyncio.sleep(0.02)


def _signed(event: dict[str, Any], harness: Harness) -> tuple[dict[str, Any], str]:
    payload = json.dumps(event).encode()
    timestamp = int(harness.clock.now().timestamp())
    return event, sign_stripe_payload(payload, STRIPE_WEBHOOK_SECRET, timestamp)


async def test_card_payment_is_a_real_charge_and_a_decline_refunds_it(
    card_shop: Harness, stripe_api: StripeConnectStandIn
) -> None:
    harness = card_shop
    sam, tom = harness.user("sam", first_name="Sam"), harness.user("tom", first_name="Tom")
    await order_until_invoice(harness, tom, await publish_gig(harness, sam))
    payment = await tom.pay()
    assert payment.ok and payment.provider_payment_charge_id
    charge = await _charge(stripe_api, payment.provider_payment_charge_id)
    assert (charge["amount"], charge["currency"], charge["paid"]) == (ORDER_TOTAL, "usd", True)
    await tom.expect("Payment received")
    assert (await books_balance(harness))[(escrow_account(1), "USD")] == ORDER_TOTAL

    await sam.expect("New order")
    await sam.tap("Decline")
    # The refund notice is committed with the ledger's refund transaction.
    await tom.expect_each("seller declined", "has been refunded")
    refunded = await _charge(stripe_api, payment.provider_payment_charge_id)
    assert refunded["amount_refunded"] == ORDER_TOTAL
    assert (await books_balance(harness)).get((escrow_account(1), "USD"), 0) == 0


async def test_stripe_webhook_needs_a_valid_signature_and_applies_an_event_once(
    card_shop: Harness,
) -> None:
    harness = card_shop
    operator = harness.existing(OPERATOR)  # listed in ADMIN_IDS
    await operator.send("/start")
    await operator.expect("Hi")
    event = {
        "id": "evt_dispute_1",
        "type": "charge.dispute.created",
        "created": int(harness.clock.now().timestamp()),
        "data": {"object": {"id": "dp_1", "object": "dispute", "charge": "ch_unknown"}},
    }
    assert await _post_event(harness, event, None) == 400
    assert await _post_event(harness, event, "t=1,v1=deadbeef") == 400
    await operator.expect_nothing(within=0.3)

    body, signature = _signed(event, harness)
    assert await _post_event(harness, body, signature) == 200
    await operator.expect("disputed at the bank")
    assert await _post_event(harness, body, signature) == 200  # Stripe retries: no new effect
    await operator.expect_nothing(within=0.4)


async def test_notifications_committed_before_a_crash_are_sent_after_the_restart(
    tmp_path: Path, stripe_api: StripeConnectStandIn
) -> None:
    harness = await _card_shop(tmp_path, stripe_api, notifier=UnreachableNotifier())
    try:
        sam, tom = harness.user("sam"), harness.user("tom")
        gig_id = await publish_gig(harness, sam)
        await order_until_invoice(harness, tom, gig_id)
        assert (await tom.pay()).ok
        # The payment is committed (escrow holds it) but no notification could leave.
        await _until_escrow_holds(harness, ORDER_TOTAL)
        await tom.expect_nothing(within=0.3)
        async with harness.bot.deps.uow(read_only=True) as uow:
            assert await uow.outbox.pending_count() >= 2

        await harness.bot.stop()  # the crash
        harness.bot._overrides.pop("notifier")  # back with a working notifier
        harness.clock.advance(timedelta(minutes=2))  # past the failed attempt's backoff
        await harness.bot.start()
        await tom.expect("Payment received")
        await sam.expect("New order")
        await harness.bot.drain_outbox()
        await tom.expect_nothing(within=0.3)  # once, not twice
        async with harness.bot.deps.uow(read_only=True) as uow:
            assert await uow.outbox.pending_count() == 0
    finally:
        await harness.bot.stop()
        await harness.sim.stop()


async def test_a_late_payment_for_an_expired_order_is_refunded(
    card_shop: Harness, stripe_api: StripeConnectStandIn, make_charge: ChargeMaker
) -> None:
    """Telegram confirms a payment after the invoice expired (the sheet was open): refunded."""
    harness = card_shop
    sam, tom = harness.user("sam"), harness.user("tom")
    await order_until_invoice(harness, tom, await publish_gig(harness, sam))
    harness.clock.advance(harness.bot.settings.invoice_ttl + timedelta(minutes=1))
    await harness.bot.deps.service(OrderService).expire_unpaid()
    await tom.expect("expired unpaid")

    charge_id = await make_charge(ORDER_TOTAL, "USD")  # what Stripe charged for Telegram
    await harness.sim.world.post_user_message(
        tom.private_chat,
        tom.user,
        {
            "successful_payment": {
                "currency": "USD",
                "total_amount": ORDER_TOTAL,
                "invoice_payload": invoice_payload(1),
                "telegram_payment_charge_id": "tg_late_1",
                "provider_payment_charge_id": charge_id,
            }
        },
    )
    await tom.expect_each("arrived after the order had closed", "has been refunded")
    assert (await _charge(stripe_api, charge_id))["amount_refunded"] == ORDER_TOTAL
    assert (await books_balance(harness)).get((escrow_account(1), "USD"), 0) == 0
