"""Stripe webhook signatures: verify what arrives, sign what the simulator sends.

Stripe signs `"{timestamp}.{raw body}"` with HMAC-SHA256 under the endpoint's secret and sends
`Stripe-Signature: t=<timestamp>,v1=<hex>[,v1=<hex>...]` (several v1 while a secret rolls).
We verify on the raw bytes (never on re-serialised JSON), compare in constant time, and refuse
old timestamps so a captured request cannot be replayed later. The scheme is implemented here,
not borrowed from stripe-python, so that tests can pin `now` and the simulator can sign.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from bot.errors import PaymentError
from bot.i18n.markers import N_

SIGNATURE_HEADER = "Stripe-Signature"
DEFAULT_TOLERANCE_S = 300


class WebhookSignatureInvalid(PaymentError):
    """The request does not prove it comes from Stripe; answer 400 and do nothing."""

    default_message = N_("The webhook signature is invalid.")

    def __init__(self, message: str | None = None, *, reason: str = "") -> None:
        self.reason = reason
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.render_untranslated()} [{self.reason}]" if self.reason else super().__str__()


class WebhookPayloadInvalid(PaymentError):
    """Correctly signed, but not an event we can read."""

    default_message = N_("The webhook payload is not a valid event.")


@dataclass(frozen=True, slots=True)
class StripeEvent:
    """The parts of a Stripe event the bot acts on; `data_object` is the object as sent."""

    id: str
    type: str
    created: int
    data_object: dict[str, Any]


def sign_stripe_payload(payload: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header value Stripe would send for `payload` at `timestamp`."""
    return f"t={timestamp},v1={_signature(payload, secret, timestamp)}"


def verify_stripe_event(
    payload: bytes,
    signature_header: str | None,
    secret: str,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: int | None = None,
) -> StripeEvent:
    """Check the signature and age of a webhook request, then parse the event it carries."""
    if not secret:
        raise WebhookSignatureInvalid(reason="no webhook secret configured")
    if not signature_header:
        raise WebhookSignatureInvalid(reason=f"missing {SIGNATURE_HEADER} header")
    timestamp, signatures = _parse_header(signature_header)
    expected = _signature(payload, secret, timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise WebhookSignatureInvalid(reason="no v1 signature matches the payload")
    current = int(time.time()) if now is None else now
    if timestamp < current - tolerance_s:
        raise WebhookSignatureInvalid(reason=f"timestamp {timestamp} is older than {tolerance_s}s")
    return _parse_event(payload)


def _signature(payload: bytes, secret: str, timestamp: int) -> str:
    signed = str(timestamp).encode("ascii") + b"." + payload
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise WebhookSignatureInvalid(reason="timestamp is not an integer") from None
        elif key == "v1":
            signatures.append(value)
    if timestamp is None:
        raise WebhookSignatureInvalid(reason="no timestamp in the signature header")
    if not signatures:
        raise WebhookSignatureInvalid(reason="no v1 signature in the signature header")
    return timestamp, signatures


def _parse_event(payload: bytes) -> StripeEvent:
    try:
        body = json.loads(payload)
        data_object = body["data"]["object"]
        event = StripeEvent(
            id=str(body["id"]),
            type=str(body["type"]),
            created=int(body["created"]),
            data_object=data_object,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise WebhookPayloadInvalid() from exc
    if not isinstance(data_object, dict):
        raise WebhookPayloadInvalid()
    return event
