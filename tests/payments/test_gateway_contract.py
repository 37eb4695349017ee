"""One contract, two gateways: the fake behaves like Stripe (localstripe + Connect stand-in).

Each test runs against `FakePaymentGateway` and against `StripeGateway` pointed at the stand-in,
so a service tested on the fake meets the same answers in production.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import pytest

from bot.payments.fake_gateway import FakePaymentGateway
from bot.payments.gateway import (
    AccountStatus,
    IdempotencyConflict,
    PaymentDeclined,
    PaymentGateway,
    RefundResult,
)
from bot.payments.stripe_gateway import StripeGateway
from telegram_sim.stripe_connect import StripeConnectStandIn
from tests.fixtures.stripe import STRIPE_TEST_SECRET_KEY, create_localstripe_charge

# stripe-python's HTTPXClient still passes bytes as `data=`; nothing for us to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


@dataclass
class Env:
    """A gateway plus the means to arrange and observe the provider's side."""

    gateway: PaymentGateway
    charge: Callable[[int, str], Awaitable[str]]
    complete_onboarding: Callable[[str], Awaitable[None]]
    refunded: Callable[[str], Awaitable[int]]
    transfer_count: Callable[[], int]


def key() -> str:
    return f"ledger-tx-{uuid.uuid4()}"


def _fake_env() -> Env:
    fake = FakePaymentGateway()

    async def charge(amount: int, currency: str) -> str:
        return fake.create_charge(amount, currency)

    async def complete(account_id: str) -> None:
        fake.complete_onboarding(account_id)

    async def refunded(charge_id: str) -> int:
        return fake.charges[charge_id].refunded_minor

    return Env(fake, charge, complete, refunded, lambda: len(fake.transfers))


def _stripe_env(stand_in: StripeConnectStandIn, gateway: StripeGateway) -> Env:
    async def charge(amount: int, currency: str) -> str:
        return await create_localstripe_charge(stand_in.url, amount, currency)

    async def complete(account_id: str) -> None:
        await stand_in.complete_onboarding(account_id)

    async def refunded(charge_id: str) -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{stand_in.url}/v1/charges/{charge_id}",
                headers={"Authorization": f"Bearer {STRIPE_TEST_SECRET_KEY}"},
            ) as response,
        ):
            return int((await response.json())["amount_refunded"])

    return Env(gateway, charge, complete, refunded, lambda: len(stand_in.transfers))


@pytest.fixture(params=["fake", "stripe"])
def env(request: pytest.FixtureRequest) -> Env:
    """Sync on purpose: it pulls the async Stripe fixtures only for the "stripe" case."""
    if request.param == "fake":
        return _fake_env()
    stand_in: StripeConnectStandIn = request.getfixturevalue("stripe_api")
    gateway: StripeGateway = request.getfixturevalue("stripe_gateway")
    return _stripe_env(stand_in, gateway)


async def onboarded_account(env: Env, user_id: int = 42) -> str:
    account_id = await env.gateway.create_connected_account(user_id, "FR", "a@b.test", key())
    await env.complete_onboarding(account_id)
    return account_id


# -- refunds -------------------------------------------------------------------------------


async def test_full_refund(env: Env) -> None:
    charge_id = await env.charge(2500, "EUR")

    result = await env.gateway.refund(charge_id, 2500, "EUR", key())

    assert isinstance(result, RefundResult)
    assert result.refund_id.startswith("re_")
    assert result.status == "succeeded"
    assert await env.refunded(charge_id) == 2500


async def test_partial_refunds_up_to_the_charge_then_refused(env: Env) -> None:
    charge_id = await env.charge(1000, "USD")

    first = await env.gateway.refund(charge_id, 300, "USD", key())
    second = await env.gateway.refund(charge_id, 700, "USD", key())

    assert first.refund_id != second.refund_id
    assert await env.refunded(charge_id) == 1000
    with pytest.raises(PaymentDeclined) as caught:
        await env.gateway.refund(charge_id, 1, "USD", key())
    assert caught.value.code == "charge_already_refunded"


async def test_refund_above_what_is_left_is_refused(env: Env) -> None:
    charge_id = await env.charge(1000, "USD")
    await env.gateway.refund(charge_id, 600, "USD", key())

    with pytest.raises(PaymentDeclined) as caught:
        await env.gateway.refund(charge_id, 401, "USD", key())

    assert caught.value.code == "amount_too_large"
    assert caught.value.param == "amount"
    assert await env.refunded(charge_id) == 600


async def test_same_key_twice_refunds_once(env: Env) -> None:
    charge_id = await env.charge(1000, "EUR")
    refund_key = key()

    first = await env.gateway.refund(charge_id, 400, "EUR", refund_key)
    again = await env.gateway.refund(charge_id, 400, "EUR", refund_key)

    assert again == first
    assert await env.refunded(charge_id) == 400


async def test_same_key_with_other_parameters_is_a_conflict(env: Env) -> None:
    charge_id = await env.charge(1000, "EUR")
    refund_key = key()
    await env.gateway.refund(charge_id, 400, "EUR", refund_key)

    with pytest.raises(IdempotencyConflict):
        await env.gateway.refund(charge_id, 500, "EUR", refund_key)
    assert await env.refunded(charge_id) == 400


async def test_refund_of_unknown_charge_is_declined(env: Env) -> None:
    with pytest.raises(PaymentDeclined) as caught:
        await env.gateway.refund("ch_doesnotexist", 100, "EUR", key())
    assert caught.value.retryable is False


async def test_refund_in_another_currency_than_the_charge_is_declined(env: Env) -> None:
    charge_id = await env.charge(1000, "EUR")

    with pytest.raises(PaymentDeclined) as caught:
        await env.gateway.refund(charge_id, 1000, "USD", key())

    assert caught.value.code == "currency_mismatch"
    assert await env.refunded(charge_id) == 0


@pytest.mark.parametrize(("amount", "currency"), [(0, "EUR"), (-5, "EUR"), (100, "XTR")])
async def test_impossible_refunds_are_declined_before_any_call(
    env: Env, amount: int, currency: str
) -> None:
    charge_id = await env.charge(1000, "EUR")

    with pytest.raises(PaymentDeclined):
        await env.gateway.refund(charge_id, amount, currency, key())
    assert await env.refunded(charge_id) == 0


# -- Connect onboarding ----------------------------------------------------------------------


async def test_account_is_not_ready_until_onboarding_completes(env: Env) -> None:
    account_id = await env.gateway.create_connected_account(7, "DE", None, key())

    before = await env.gateway.get_account_status(account_id)
    await env.complete_onboarding(account_id)
    after = await env.gateway.get_account_status(account_id)

    assert account_id.startswith("acct_")
    assert before == AccountStatus(account_id, False, False, False)
    assert not before.can_receive_payouts
    assert after == AccountStatus(account_id, True, True, True)
    assert after.can_receive_payouts


async def test_account_creation_is_idempotent(env: Env) -> None:
    account_key = key()

    first = await env.gateway.create_connected_account(7, "DE", "x@y.test", account_key)
    again = await env.gateway.create_connected_account(7, "DE", "x@y.test", account_key)

    assert again == first


async def test_onboarding_link_is_a_url(env: Env) -> None:
    account_id = await env.gateway.create_connected_account(8, "FR", None, key())

    url = await env.gateway.create_onboarding_link(
        account_id, "https://bot.test/refresh", "https://bot.test/return", key()
    )

    assert url.startswith(("http://", "https://"))


async def test_onboarding_link_for_unknown_account_is_declined(env: Env) -> None:
    with pytest.raises(PaymentDeclined) as caught:
        await env.gateway.create_onboarding_link(
            "acct_nope", "https://bot.test/r", "https://bot.test/r", key()
        )
    assert caught.value.param == "account"


async def test_status_of_unknown_account_is_declined(env: Env) -> None:
    with pytest.raises(PaymentDeclined) as caught:
        await env.gateway.get_account_status("acct_nope")
    assert caught.value.code == "resource_missing"


# -- transfers -------------------------------------------------------------------------------


async def test_transfer_from_a_charge_to_an_onboarded_account(env: Env) -> None:
    charge_id = await env.charge(5000, "EUR")
    account_id = await onboarded_account(env)

    result = await env.gateway.transfer(4000, "EUR", account_id, "order-17", charge_id, key())

    assert result.transfer_id.startswith("tr_")
    assert env.transfer_count() == 1


async def test_transfer_retry_with_the_same_key_pays_once(env: Env) -> None:
    charge_id = await env.charge(5000, "EUR")
    account_id = await onboarded_account(env)
    payout_key = key()

    first = await env.gateway.transfer(4000, "EUR", account_id, "order-18", charge_id, payout_key)
    again = await env.gateway.transfer(4000, "EUR", account_id, "order-18", charge_id, payout_key)

    assert again == first
    assert env.transfer_count() == 1


async def test_transfer_without_source_transaction(env: Env) -> None:
    account_id = await onboarded_account(env)

    result = await env.gateway.transfer(100, "EUR", account_id, "order-19", None, key())

    assert result.transfer_id.startswith("tr_")


async def test_transfer_to_an_account_still_onboarding_is_declined(env: Env) -> None:
    account_id = await env.gateway.create_connected_account(9, "FR", None, key())

    with pytest.raises(PaymentDeclined) as caught:
        await env.gateway.transfer(100, "EUR", account_id, "order-20", None, key())

    assert caught.value.code == "insufficient_capabilities_for_transfer"
    assert env.transfer_count() == 0


async def test_transfer_to_unknown_account_is_declined(env: Env) -> None:
    with pytest.raises(PaymentDeclined) as caught:
        await env.gateway.transfer(100, "EUR", "acct_nope", "order-21", None, key())
    assert caught.value.param == "destination"


async def test_transfers_cannot_exceed_their_source_charge(env: Env) -> None:
    charge_id = await env.charge(1000, "EUR")
    account_id = await onboarded_account(env)
    await env.gateway.transfer(800, "EUR", account_id, "order-22", charge_id, key())

    with pytest.raises(PaymentDeclined) as caught:
        await env.gateway.transfer(201, "EUR", account_id, "order-22", charge_id, key())

    assert caught.value.code == "amount_too_large"
    assert env.transfer_count() == 1


async def test_transfer_from_unknown_charge_is_declined(env: Env) -> None:
    account_id = await onboarded_account(env)

    with pytest.raises(PaymentDeclined) as caught:
        await env.gateway.transfer(100, "EUR", account_id, "order-23", "ch_nope", key())
    assert caught.value.param == "source_transaction"


async def test_transfer_in_another_currency_than_its_source_is_declined(env: Env) -> None:
    charge_id = await env.charge(1000, "EUR")
    account_id = await onboarded_account(env)

    with pytest.raises(PaymentDeclined) as caught:
        await env.gateway.transfer(100, "USD", account_id, "order-24", charge_id, key())
    assert caught.value.param == "currency"


# -- listings (reconcile) --------------------------------------------------------------------


async def test_charges_refunds_and_transfers_are_listed(env: Env) -> None:
    """The fake and Stripe list the same objects the same way (localstripe is shared by the
    session, so only this test's own objects are looked at)."""
    charge_id = await env.charge(2000, "USD")
    refund = await env.gateway.refund(charge_id, 500, "USD", key())
    account_id = await onboarded_account(env)
    transfer = await env.gateway.transfer(1200, "USD", account_id, "order_9", charge_id, key())

    charges = {c.object_id: c for c in await env.gateway.list_charges()}
    refunds = {r.object_id: r for r in await env.gateway.list_refunds()}
    transfers = {t.object_id: t for t in await env.gateway.list_transfers()}

    listed = charges[charge_id]
    assert (listed.kind, listed.amount_minor, listed.currency) == ("charge", 2000, "USD")
    assert listed.created > 0
    back = refunds[refund.refund_id]
    assert (back.kind, back.amount_minor, back.currency, back.charge_id) == (
        "refund", 500, "USD", charge_id,
    )  # fmt: skip
    sent = transfers[transfer.transfer_id]
    assert (sent.kind, sent.amount_minor, sent.charge_id, sent.description) == (
        "transfer", 1200, charge_id, "order_9",
    )  # fmt: skip
    future = listed.created + 3600
    assert charge_id not in {c.object_id for c in await env.gateway.list_charges(future)}
    assert not await env.gateway.list_refunds(future)
    assert not await env.gateway.list_transfers(future)
