"""What services' tests rely on beyond the shared contract: recorded calls, injected failures."""

from __future__ import annotations

import pytest

from bot.payments.fake_gateway import FakePaymentGateway, GatewayCall
from bot.payments.gateway import PaymentDeclined, PaymentGateway, PaymentUnavailable


def test_it_is_a_payment_gateway() -> None:
    assert isinstance(FakePaymentGateway(), PaymentGateway)


async def test_every_call_is_recorded_with_its_key_including_replays() -> None:
    fake = FakePaymentGateway()
    charge_id = fake.create_charge(500, "EUR")

    await fake.refund(charge_id, 200, "EUR", "tx-1")
    await fake.refund(charge_id, 200, "EUR", "tx-1")

    expected = GatewayCall(
        "refund",
        {"charge_id": charge_id, "amount_minor": 200, "currency": "EUR", "idempotency_key": "tx-1"},
    )
    assert fake.calls == [expected, expected]
    assert fake.calls_of("refund") == [expected, expected]
    assert len(fake.refunds) == 1


async def test_injected_failure_has_no_effect_and_the_retry_goes_through() -> None:
    fake = FakePaymentGateway()
    charge_id = fake.create_charge(500, "EUR")
    fake.fail_next(PaymentUnavailable(detail="timeout"))

    with pytest.raises(PaymentUnavailable):
        await fake.refund(charge_id, 500, "EUR", "tx-2")
    assert fake.refunds == {}

    result = await fake.refund(charge_id, 500, "EUR", "tx-2")
    assert fake.refunds[result.refund_id].amount_minor == 500
    assert fake.charges[charge_id].refunded_minor == 500


async def test_injected_failure_can_target_one_operation() -> None:
    fake = FakePaymentGateway()
    fake.fail_next(PaymentDeclined(detail="no"), operation="transfer")

    account_id = await fake.create_connected_account(1, "FR", None, "tx-3")
    fake.complete_onboarding(account_id)
    status = await fake.get_account_status(account_id)

    assert status.payouts_enabled
    with pytest.raises(PaymentDeclined):
        await fake.transfer(100, "EUR", account_id, "order-1", None, "tx-4")
    assert fake.transfers == {}
    assert (await fake.transfer(100, "EUR", account_id, "order-1", None, "tx-4")).transfer_id


async def test_failures_fire_in_the_order_they_were_queued() -> None:
    fake = FakePaymentGateway()
    first, second = PaymentUnavailable(detail="1"), PaymentUnavailable(detail="2")
    fake.fail_next(first)
    fake.fail_next(second)

    raised = []
    for _ in range(2):
        with pytest.raises(PaymentUnavailable) as caught:
            await fake.get_account_status("acct_x")
        raised.append(caught.value)

    assert raised == [first, second]


async def test_onboarding_links_are_kept_on_the_account() -> None:
    fake = FakePaymentGateway()
    account_id = await fake.create_connected_account(2, "FR", "a@b.test", "tx-5")

    url = await fake.create_onboarding_link(account_id, "https://r.test", "https://b.test", "tx-6")

    assert fake.accounts[account_id].onboarding_links == [url]
    assert fake.accounts[account_id].user_id == 2


async def test_a_key_is_bound_to_its_operation() -> None:
    fake = FakePaymentGateway()
    await fake.create_connected_account(3, "FR", None, "tx-7")

    with pytest.raises(PaymentDeclined):
        await fake.create_onboarding_link("acct_x", "https://r.test", "https://b.test", "tx-7")


async def test_empty_idempotency_key_is_refused() -> None:
    fake = FakePaymentGateway()

    with pytest.raises(PaymentDeclined) as caught:
        await fake.create_connected_account(4, "FR", None, "")
    assert caught.value.code == "invalid_idempotency_key"
    assert fake.accounts == {}
