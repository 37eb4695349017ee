"""Invoices, the payment sheet, Star refunds and (with localstripe) real provider charges."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from telegram_sim import FloodLimits, Person, SimServer
from telegram_sim.tests.conftest import STRIPE_TEST_SECRET_KEY, Api

INVOICE: dict[str, Any] = {
    "title": "Logo design",
    "description": "A logo in 3 days",
    "payload": "order-1",
    "provider_token": "stripe_test",
    "currency": "USD",
    "prices": [{"label": "Logo", "amount": 2500}],
}
STARS = {
    **INVOICE,
    "currency": "XTR",
    "provider_token": "",
    "prices": [{"label": "L", "amount": 50}],
}


@pytest.fixture
async def alice(sim: SimServer) -> Person:
    person = sim.user("alice")
    await person.send("/start")
    return person


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"title": ""}, "INVOICE_TITLE_INVALID"),
        ({"title": "t" * 33}, "INVOICE_TITLE_INVALID"),
        ({"description": "d" * 256}, "INVOICE_DESCRIPTION_INVALID"),
        ({"payload": "é" * 65}, "INVOICE_PAYLOAD_INVALID"),
        ({"prices": []}, "PRICES_EMPTY"),
        ({"prices": [{"label": "x", "amount": 12.5}]}, "amount must be an Integer"),
        ({"provider_token": ""}, "PAYMENT_PROVIDER_INVALID"),
        ({"currency": "XTR", "provider_token": ""}, "STARS_INVOICE_INVALID"),
        ({**STARS, "provider_token": "stripe_test"}, "PAYMENT_PROVIDER_INVALID"),
        ({"prices": [{"label": "x", "amount": 0}]}, "CURRENCY_TOTAL_AMOUNT_INVALID"),
    ],
)
async def test_invoice_limits(
    api: Api, alice: Person, change: dict[str, Any], fragment: str
) -> None:
    invoice = {**INVOICE, **change}
    if change.get("currency") == "XTR" and "prices" not in change:
        invoice["prices"] = [{"label": "a", "amount": 1}, {"label": "b", "amount": 2}]
    status, desc = await api.error("sendInvoice", chat_id=alice.id, **invoice)
    assert status == 400 and fragment in desc, desc
    status, desc = await api.error("createInvoiceLink", **invoice)
    assert status == 400 and fragment in desc


async def answer_pre_checkouts(api: Api, sim: SimServer, ok: bool) -> None:
    """A minimal bot: answers the first pre_checkout_query it polls."""
    offset = None
    while True:
        params: dict[str, Any] = {"timeout": 1}
        if offset is not None:
            params["offset"] = offset
        for update in await api.ok("getUpdates", **params):
            offset = update["update_id"] + 1
            if "pre_checkout_query" in update:
                query = update["pre_checkout_query"]
                await api.ok(
                    "answerPreCheckoutQuery",
                    pre_checkout_query_id=query["id"],
                    ok=ok,
                    error_message=None if ok else "Sold out",
                )
                return


async def test_pay_star_invoice_and_refund_once(api: Api, sim: SimServer, alice: Person) -> None:
    await api.ok("sendInvoice", chat_id=alice.id, **STARS)
    bot = asyncio.create_task(answer_pre_checkouts(api, sim, ok=True))
    result = await alice.pay()
    await bot
    assert result.ok and result.provider_payment_charge_id == ""
    assert result.message is not None
    payment = result.message["successful_payment"]
    assert payment["currency"] == "XTR" and payment["total_amount"] == 50
    assert payment["invoice_payload"] == "order-1"
    assert result.message["from"]["id"] == alice.id and result.message["chat"]["id"] == alice.id
    charge_id = result.telegram_payment_charge_id
    assert sim.updates_sent[-1]["message"]["successful_payment"] == payment
    assert (
        await api.ok("refundStarPayment", user_id=alice.id, telegram_payment_charge_id=charge_id)
        is True
    )
    assert await api.error(
        "refundStarPayment", user_id=alice.id, telegram_payment_charge_id=charge_id
    ) == (400, "Bad Request: CHARGE_ALREADY_REFUNDED")
    assert await api.error(
        "refundStarPayment", user_id=alice.id, telegram_payment_charge_id="nope"
    ) == (400, "Bad Request: CHARGE_NOT_FOUND")
    assert [c.telegram_payment_charge_id for c in sim.star_refunds] == [charge_id]


async def test_refused_pre_checkout(api: Api, sim: SimServer, alice: Person) -> None:
    await api.ok("sendInvoice", chat_id=alice.id, **INVOICE)
    bot = asyncio.create_task(answer_pre_checkouts(api, sim, ok=False))
    result = await alice.pay()
    await bot
    assert not result.ok and result.error_message == "Sold out"
    assert not sim.charges


async def test_unanswered_pre_checkout_times_out(sim: SimServer, alice: Person) -> None:
    link_invoice = dict(INVOICE)
    async with aiohttp.ClientSession() as session:
        link = await Api(session, sim).ok("createInvoiceLink", **link_invoice)
    assert link.startswith("https://t.me/$")
    result = await alice.pay_link(link)  # pre_checkout_timeout is 0.2 s in the fixture
    assert not result.ok and "didn't respond" in (result.error_message or "")
    assert "pre_checkout_query" in sim.updates_sent[-1]


@pytest.fixture
async def stripe_sim(localstripe_url: str) -> AsyncIterator[SimServer]:
    server = SimServer(
        flood_limits=FloodLimits.off(),
        stripe_api_base=localstripe_url,
        stripe_secret_key=STRIPE_TEST_SECRET_KEY,
        long_poll_cap=0.05,
    )
    async with server:
        yield server


async def test_card_payment_creates_a_real_localstripe_charge(
    stripe_sim: SimServer, localstripe_url: str
) -> None:
    async with aiohttp.ClientSession() as session:
        api = Api(session, stripe_sim)
        alice = stripe_sim.user("alice")
        await alice.send("/start")
        await api.ok("sendInvoice", chat_id=alice.id, **INVOICE)
        bot = asyncio.create_task(answer_pre_checkouts(api, stripe_sim, ok=True))
        result = await alice.pay()
        await bot
        assert result.ok and result.provider_payment_charge_id
        headers = {"Authorization": "Bearer sk_test_sim"}
        url = f"{localstripe_url}/v1/charges/{result.provider_payment_charge_id}"
        async with session.get(url, headers=headers) as resp:
            charge = await resp.json()
        assert charge["amount"] == 2500 and charge["currency"] == "usd"
        assert charge["status"] == "succeeded"
