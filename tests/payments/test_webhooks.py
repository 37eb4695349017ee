"""Webhook signatures: what Stripe signs verifies, anything else is refused."""

from __future__ import annotations

import json

import pytest
import stripe

from bot.errors import PaymentError
from bot.payments.webhooks import (
    StripeEvent,
    WebhookPayloadInvalid,
    WebhookSignatureInvalid,
    sign_stripe_payload,
    verify_stripe_event,
)

SECRET = "whsec_test_secret"
NOW = 1_700_000_000
PAYLOAD = json.dumps(
    {
        "id": "evt_123",
        "object": "event",
        "type": "account.updated",
        "created": NOW - 5,
        "data": {"object": {"id": "acct_1", "payouts_enabled": True}},
    }
).encode()


def test_good_signature_gives_the_event() -> None:
    header = sign_stripe_payload(PAYLOAD, SECRET, NOW)

    event = verify_stripe_event(PAYLOAD, header, SECRET, now=NOW + 10)

    assert event == StripeEvent(
        id="evt_123",
        type="account.updated",
        created=NOW - 5,
        data_object={"id": "acct_1", "payouts_enabled": True},
    )


def test_signature_agrees_with_stripe_python() -> None:
    header = sign_stripe_payload(PAYLOAD, SECRET, NOW)

    assert stripe.WebhookSignature.verify_header(PAYLOAD.decode(), header, SECRET, tolerance=None)


def test_signature_by_another_secret_is_refused() -> None:
    header = sign_stripe_payload(PAYLOAD, "whsec_other", NOW)

    with pytest.raises(WebhookSignatureInvalid) as caught:
        verify_stripe_event(PAYLOAD, header, SECRET, now=NOW)
    assert isinstance(caught.value, PaymentError)


def test_tampered_body_is_refused() -> None:
    header = sign_stripe_payload(PAYLOAD, SECRET, NOW)

    with pytest.raises(WebhookSignatureInvalid):
        verify_stripe_event(PAYLOAD.replace(b"acct_1", b"acct_2"), header, SECRET, now=NOW)


def test_replayed_timestamp_in_header_is_refused() -> None:
    """Moving `t` forward to defeat the age check breaks the signature."""
    signature = sign_stripe_payload(PAYLOAD, SECRET, NOW).split(",")[1]

    with pytest.raises(WebhookSignatureInvalid):
        verify_stripe_event(PAYLOAD, f"t={NOW + 1000},{signature}", SECRET, now=NOW + 1000)


def test_stale_timestamp_is_refused() -> None:
    header = sign_stripe_payload(PAYLOAD, SECRET, NOW)

    verify_stripe_event(PAYLOAD, header, SECRET, tolerance_s=300, now=NOW + 300)
    with pytest.raises(WebhookSignatureInvalid, match="older"):
        verify_stripe_event(PAYLOAD, header, SECRET, tolerance_s=300, now=NOW + 301)


@pytest.mark.parametrize("header", [None, ""])
def test_missing_header_is_refused(header: str | None) -> None:
    with pytest.raises(WebhookSignatureInvalid, match="missing"):
        verify_stripe_event(PAYLOAD, header, SECRET, now=NOW)


@pytest.mark.parametrize(
    "header",
    ["v1=abc", "t=notanumber,v1=abc", f"t={NOW}", f"t={NOW},v0=abc", "garbage"],
)
def test_malformed_header_is_refused(header: str) -> None:
    with pytest.raises(WebhookSignatureInvalid):
        verify_stripe_event(PAYLOAD, header, SECRET, now=NOW)


def test_any_of_several_v1_signatures_may_match() -> None:
    """While a secret rolls, Stripe sends one v1 per secret."""
    good = sign_stripe_payload(PAYLOAD, SECRET, NOW).split(",")[1]
    header = f"t={NOW},v1={'0' * 64},{good}"

    assert verify_stripe_event(PAYLOAD, header, SECRET, now=NOW).id == "evt_123"


def test_empty_secret_never_verifies() -> None:
    header = sign_stripe_payload(PAYLOAD, "", NOW)

    with pytest.raises(WebhookSignatureInvalid):
        verify_stripe_event(PAYLOAD, header, "", now=NOW)


@pytest.mark.parametrize(
    "payload",
    [b"not json", b'{"id": "evt_1"}', b'{"id":"e","type":"t","created":1,"data":{"object":[]}}'],
)
def test_signed_but_unreadable_payload_is_refused(payload: bytes) -> None:
    header = sign_stripe_payload(payload, SECRET, NOW)

    with pytest.raises(WebhookPayloadInvalid):
        verify_stripe_event(payload, header, SECRET, now=NOW)
