"""The Stripe side of `reconcile` against localstripe behind the Connect stand-in: the real
`StripeGateway` lists charges, refunds and transfers (every page), and `reconcile` matches them
to a ledger on a real store.

localstripe lives for the whole session, so other tests' charges are listed too: the checks
here look at this test's own objects only.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from bot.domain.ledger import payment_received, payout, refund, stripe_ref
from bot.domain.money import Money
from bot.domain.reconcile import MismatchKind
from bot.payments.stripe_gateway import StripeGateway
from bot.services.money.reconcile import reconcile
from bot.storage.db import create_engine
from bot.storage.migrate import upgrade
from bot.storage.uow import SqlUnitOfWorkFactory
from telegram_sim.stripe_connect import StripeConnectStandIn
from tests.fixtures.stripe import STRIPE_TEST_SECRET_KEY, ChargeMaker


@pytest.fixture
async def uow(store_url: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    engine = create_engine(store_url)
    await upgrade(engine)
    yield SqlUnitOfWorkFactory(engine)
    await engine.dispose()


async def onboarded(gateway: StripeGateway, stripe_api: StripeConnectStandIn) -> str:
    account = await gateway.create_connected_account(7, "US", None, f"acct-{time.time_ns()}")
    await stripe_api.complete_onboarding(account)
    return account


async def test_card_objects_are_listed_and_matched(
    stripe_gateway: StripeGateway,
    stripe_api: StripeConnectStandIn,
    make_charge: ChargeMaker,
    uow: SqlUnitOfWorkFactory,
) -> None:
    started = int(time.time())
    paid = await make_charge(2310, "USD")
    stray = await make_charge(500, "USD")
    back = await stripe_gateway.refund(paid, 700, "USD", f"re-{time.time_ns()}")
    account = await onboarded(stripe_gateway, stripe_api)
    sent = await stripe_gateway.transfer(
        1200, "USD", account, "order_1", paid, f"tr-{time.time_ns()}"
    )

    charges = {c.object_id: c for c in await stripe_gateway.list_charges(started)}
    refunds = {r.object_id: r for r in await stripe_gateway.list_refunds(started)}
    transfers = {t.object_id: t for t in await stripe_gateway.list_transfers(started)}
    assert charges[paid].amount_minor == 2310 and charges[paid].currency == "USD"
    assert refunds[back.refund_id].charge_id == paid
    assert refunds[back.refund_id].amount_minor == 700
    assert transfers[sent.transfer_id].charge_id == paid
    assert transfers[sent.transfer_id].description == "order_1"

    now = datetime.now(UTC)
    usd = "USD"
    async with uow() as unit:  # no orders needed: the match is by provider reference only
        for transaction in (
            payment_received(1, Money(2310, usd), provider_ref=stripe_ref(paid)),
            refund(
                1, Money(700, usd), key="order:1:refund:1", provider_ref=stripe_ref(back.refund_id)
            ),
            payout(
                7, Money(1200, usd), "order:1:payout", provider_ref=stripe_ref(sent.transfer_id)
            ),
        ):
            await unit.ledger.record(dataclasses.replace(transaction, order_id=None), now)
    report = await reconcile(uow, stripe_gateway, None)
    found = {m.ref: m.kind for m in report.mismatches}
    for ours in (paid, back.refund_id, sent.transfer_id):
        assert stripe_ref(ours) not in found, found
    assert found[stripe_ref(stray) or ""] is MismatchKind.missing_in_ledger
    assert report.ledger_transactions == 3


async def test_the_stand_in_pages_transfers_newest_first(
    stripe_gateway: StripeGateway, stripe_api: StripeConnectStandIn, make_charge: ChargeMaker
) -> None:
    account = await onboarded(stripe_gateway, stripe_api)
    charge = await make_charge(3000, "USD")
    made = [
        (
            await stripe_gateway.transfer(
                100, "USD", account, "g", charge, f"k{n}-{time.time_ns()}"
            )
        ).transfer_id
        for n in range(3)
    ]
    headers = {"Authorization": f"Bearer {STRIPE_TEST_SECRET_KEY}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(f"{stripe_api.url}/v1/transfers", params={"limit": "2"}) as r:
            first = await r.json()
        after = first["data"][-1]["id"]
        async with session.get(
            f"{stripe_api.url}/v1/transfers", params={"limit": "2", "starting_after": after}
        ) as r:
            second = await r.json()
        async with session.get(f"{stripe_api.url}/v1/transfers", params={"limit": "0"}) as r:
            assert r.status == 400
    assert first["has_more"] is True and not second["has_more"]
    assert [t["id"] for t in first["data"] + second["data"]] == list(reversed(made))
    listed = [t.object_id for t in await stripe_gateway.list_transfers()]
    assert sorted(listed) == sorted(made)
