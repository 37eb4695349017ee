"""getStarTransactions on the simulator: Stars payments in, their refunds out, paged; and the
bot's `TelegramStarsLedger` reading every page through python-telegram-bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot

from bot.telegram.stars import PAGE, TelegramStarsLedger
from telegram_sim import FloodLimits, Person, SimServer
from telegram_sim.tests.conftest import Api, FakeClock
from telegram_sim.tests.test_payments import STARS


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    """The simulator as its own tests run it (see telegram_sim/tests/conftest.py)."""
    server = SimServer(
        flood_limits=FloodLimits.off(),
        clock=FakeClock(),
        pre_checkout_timeout=0.2,
        webhook_retry_delay=0.05,
        long_poll_cap=0.05,
    )
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def api(sim: SimServer) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, sim)


async def answer(api: Api, payload: str) -> None:
    """A minimal bot: confirms every update it reads and accepts the pre-checkout of `payload`."""
    offset = 0
    while True:
        for update in await api.ok("getUpdates", offset=offset, timeout=1):
            offset = update["update_id"] + 1
            query = update.get("pre_checkout_query")
            if query and query["invoice_payload"] == payload:
                await api.ok("answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True)
                await api.ok("getUpdates", offset=offset, timeout=0)
                return


async def pay_stars(api: Api, sim: SimServer, person: Person, payload: str) -> str:
    await api.ok("sendInvoice", chat_id=person.id, **{**STARS, "payload": payload})
    bot = asyncio.create_task(answer(api, payload))
    result = await person.pay()
    await bot
    assert result.ok and result.telegram_payment_charge_id
    return result.telegram_payment_charge_id


async def test_payments_and_refunds_are_listed_in_order(api: Api, sim: SimServer) -> None:
    alice = sim.user("alice")
    await alice.send("/start")
    first = await pay_stars(api, sim, alice, "order:1")
    second = await pay_stars(api, sim, alice, "tip:1:5")
    await api.ok("refundStarPayment", user_id=alice.id, telegram_payment_charge_id=first)

    listed = (await api.ok("getStarTransactions"))["transactions"]
    assert [t["id"] for t in listed] == [first, second, first]  # a refund keeps its id
    paid, _tip, refunded = listed
    assert paid["amount"] == 50 and isinstance(paid["date"], int)
    assert paid["source"]["type"] == "user"
    assert paid["source"]["user"]["id"] == alice.id
    assert paid["source"]["invoice_payload"] == "order:1"
    assert "receiver" not in paid
    assert refunded["receiver"]["user"]["id"] == alice.id and "source" not in refunded

    page = (await api.ok("getStarTransactions", offset=1, limit=1))["transactions"]
    assert [t["id"] for t in page] == [second]
    assert (await api.ok("getStarTransactions", offset=3))["transactions"] == []
    status, description = await api.error("getStarTransactions", limit=101)
    assert status == 400 and "limit" in description
    status, description = await api.error("getStarTransactions", offset=-1)
    assert status == 400 and "offset" in description


async def test_card_payments_are_not_star_transactions(api: Api, sim: SimServer) -> None:
    assert (await api.ok("getStarTransactions"))["transactions"] == []


async def test_the_bot_reads_every_page(api: Api, sim: SimServer) -> None:
    alice = sim.user("alice")
    await alice.send("/start")
    charge = await pay_stars(api, sim, alice, "order:7")
    user = sim.world.users[alice.id].to_api()
    for number in range(PAGE + 20):  # more than one page of history
        sim.world.star_transactions.append(
            {"id": f"old_{number}", "amount": 1, "date": 1_700_000_000 + number,
             "source": {"type": "user", "transaction_type": "invoice_payment", "user": user,
                        "invoice_payload": f"order:{number}"}}
        )  # fmt: skip
    sim.world.star_transactions.append(
        {"id": "wd_1", "amount": 500, "date": 1_800_000_000,
         "receiver": {"type": "fragment"}}  # a withdrawal: no ledger movement
    )  # fmt: skip
    await api.ok("refundStarPayment", user_id=alice.id, telegram_payment_charge_id=charge)
    async with Bot(sim.bot_token, base_url=sim.base_url) as bot:
        ledger = TelegramStarsLedger(bot)
        found = await ledger.transactions()
        recent = await ledger.transactions(since=1_750_000_000)
    assert len(found) == PAGE + 20 + 2
    assert found[0].transaction_id == charge and found[0].incoming
    assert found[0].invoice_payload == "order:7" and found[0].user_id == alice.id
    assert found[-1].transaction_id == charge and not found[-1].incoming
    assert [t.transaction_id for t in recent] == [charge, charge]
    pages = [c for c in sim.world.calls if c.method == "getStarTransactions"]
    assert len(pages) == 4  # two listings of two pages each
