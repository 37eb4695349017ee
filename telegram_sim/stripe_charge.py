"""Creates the provider's charge behind a simulated card payment (Stripe or localstripe).

With a Stripe base URL and key, the `provider_payment_charge_id` of a successful payment is a
real charge there, so the bot's refunds and transfers act on real Stripe objects.
"""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp

TEST_PAYMENT_METHOD = "pm_card_visa"


class StripeChargeError(Exception):
    """Stripe refused to create the charge."""


async def create_charge(
    api_base: str, secret_key: str, amount: int, currency: str, description: str
) -> str:
    """POST /v1/charges with a test card; return the charge id."""
    form = {
        "amount": str(amount),
        "currency": currency.lower(),
        "source": TEST_PAYMENT_METHOD,
        "description": description[:200],
    }
    headers = {"Authorization": f"Bearer {secret_key}"}
    url = f"{api_base.rstrip('/')}/v1/charges"
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        session.post(url, data=form, headers=headers) as resp,
    ):
        body: dict[str, Any] = await resp.json(content_type=None)
        if resp.status >= 400 or "id" not in body:
            raise StripeChargeError(f"{resp.status}: {body.get('error', body)}")
        return str(body["id"])


def fake_charge_id() -> str:
    """A made-up provider charge id when no Stripe is configured."""
    return f"ch_sim_{secrets.token_hex(12)}"
