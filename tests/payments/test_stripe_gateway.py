"""What only the real gateway does: talk HTTP, send Stripe's parameters, map Stripe's failures."""

from __future__ import annotations

import uuid

import aiohttp
import pytest
from aiohttp import web

from bot.payments.gateway import PaymentDeclined, PaymentGateway, PaymentUnavailable
from bot.payments.stripe_gateway import StripeGateway
from bot.payments.webhooks import SIGNATURE_HEADER, verify_stripe_event
from telegram_sim.localstripe import free_port
from telegram_sim.stripe_connect import StripeConnectStandIn
from tests.fixtures.stripe import STRIPE_TEST_SECRET_KEY, STRIPE_WEBHOOK_SECRET, ChargeMaker

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


def key() -> str:
    return f"ledger-tx-{uuid.uuid4()}"


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


def test_it_is_a_payment_gateway() -> None:
    assert isinstance(StripeGateway(STRIPE_TEST_SECRET_KEY), PaymentGateway)


async def test_account_is_express_with_our_user_id_and_transfers_requested(
    stripe_gateway: StripeGateway, stripe_api: StripeConnectStandIn
) -> None:
    account_id = await stripe_gateway.create_connected_account(42, "fr", "seller@b.test", key())

    account = stripe_api.accounts[account_id]
    assert account["type"] == "express"
    assert account["country"] == "FR"
    assert account["email"] == "seller@b.test"
    assert account["metadata"] == {"user_id": "42"}
    assert account["capabilities"] == {"transfers": "inactive"}


async def test_transfer_carries_group_and_source_in_lower_case_currency(
    stripe_gateway: StripeGateway, stripe_api: StripeConnectStandIn, make_charge: ChargeMaker
) -> None:
    charge_id = await make_charge(3000, "EUR")
    account_id = await stripe_gateway.create_connected_account(1, "FR", None, key())
    await stripe_api.complete_onboarding(account_id)

    result = await stripe_gateway.transfer(2500, "EUR", account_id, "order-5", charge_id, key())

    transfer = stripe_api.transfers[result.transfer_id]
    assert (transfer["amount"], transfer["currency"]) == (2500, "eur")
    assert transfer["destination"] == account_id
    assert transfer["transfer_group"] == "order-5"
    assert transfer["source_transaction"] == charge_id


async def test_malformed_transfer_refused_by_the_stand_in_is_declined(
    stripe_gateway: StripeGateway,
) -> None:
    with pytest.raises(PaymentDeclined) as caught:
        await stripe_gateway.transfer(100, "EUR", "", "order-6", None, key())

    assert caught.value.param == "destination"
    assert caught.value.code == "parameter_missing"
    assert "400" in caught.value.detail


async def test_onboarding_link_leads_through_onboarding_to_return_url(
    stripe_gateway: StripeGateway,
) -> None:
    account_id = await stripe_gateway.create_connected_account(3, "FR", None, key())
    url = await stripe_gateway.create_onboarding_link(
        account_id, "https://bot.test/refresh", "https://bot.test/return", key()
    )

    async with aiohttp.ClientSession() as session:
        async with session.get(url, allow_redirects=False) as first_visit:
            assert first_visit.status == 302
            assert first_visit.headers["Location"] == "https://bot.test/return"
        async with session.get(url, allow_redirects=False) as second_visit:
            assert second_visit.headers["Location"] == "https://bot.test/refresh"

    assert (await stripe_gateway.get_account_status(account_id)).can_receive_payouts


async def test_completed_onboarding_sends_a_signed_account_updated_event(
    stripe_gateway: StripeGateway, stripe_api: StripeConnectStandIn
) -> None:
    received: list[tuple[bytes, str | None]] = []

    async def webhook(request: web.Request) -> web.Response:
        received.append((await request.read(), request.headers.get(SIGNATURE_HEADER)))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/stripe", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        stripe_api.configure_webhook(f"http://127.0.0.1:{port}/stripe", STRIPE_WEBHOOK_SECRET)
        account_id = await stripe_gateway.create_connected_account(77, "FR", None, key())
        await stripe_api.complete_onboarding(account_id)
    finally:
        await runner.cleanup()

    assert len(received) == 1
    event = verify_stripe_event(received[0][0], received[0][1], STRIPE_WEBHOOK_SECRET)
    assert event.type == "account.updated"
    assert event.data_object["id"] == account_id
    assert event.data_object["payouts_enabled"] is True
    assert event.data_object["metadata"] == {"user_id": "77"}
    assert stripe_api.webhook_deliveries[0].status == 200


async def test_unreachable_api_is_unavailable() -> None:
    async with StripeGateway(
        STRIPE_TEST_SECRET_KEY, api_base=closed_port_url(), max_network_retries=0
    ) as gateway:
        with pytest.raises(PaymentUnavailable) as caught:
            await gateway.get_account_status("acct_1")
    assert caught.value.retryable is True


async def test_stopped_stand_in_is_unavailable_even_after_retries(localstripe_url: str) -> None:
    stand_in = StripeConnectStandIn(localstripe_url, STRIPE_TEST_SECRET_KEY)
    url = await stand_in.start()
    await stand_in.stop()

    async with StripeGateway(STRIPE_TEST_SECRET_KEY, api_base=url, max_network_retries=1) as gw:
        with pytest.raises(PaymentUnavailable):
            await gw.refund("ch_x", 100, "EUR", key())


async def test_upstream_down_behind_the_stand_in_is_unavailable() -> None:
    async with (
        StripeConnectStandIn(closed_port_url(), STRIPE_TEST_SECRET_KEY) as stand_in,
        StripeGateway(STRIPE_TEST_SECRET_KEY, api_base=stand_in.url, max_network_retries=0) as gw,
    ):
        with pytest.raises(PaymentUnavailable) as caught:
            await gw.refund("ch_x", 100, "EUR", key())
    assert "503" in caught.value.detail


async def test_wrong_secret_key_is_declined_not_retried(stripe_api: StripeConnectStandIn) -> None:
    async with StripeGateway("sk_test_wrong_key_123456", api_base=stripe_api.url) as gateway:
        with pytest.raises(PaymentDeclined) as caught:
            await gateway.get_account_status("acct_1")
    assert "AuthenticationError" in caught.value.detail
    assert stripe_api.requests == [("GET", "/v1/accounts/acct_1")]


async def test_the_callers_key_is_sent_so_two_replicas_refund_once(
    stripe_api: StripeConnectStandIn, make_charge: ChargeMaker
) -> None:
    """The key is ours, not one stripe-python makes up per call: a second process replays it."""
    charge_id = await make_charge(900, "EUR")
    refund_key = key()

    async with StripeGateway(STRIPE_TEST_SECRET_KEY, api_base=stripe_api.url) as one:
        first = await one.refund(charge_id, 900, "EUR", refund_key)
    async with StripeGateway(STRIPE_TEST_SECRET_KEY, api_base=stripe_api.url) as other:
        second = await other.refund(charge_id, 900, "EUR", refund_key)

    assert second == first
    assert stripe_api.requests.count(("POST", "/v1/refunds")) == 2
