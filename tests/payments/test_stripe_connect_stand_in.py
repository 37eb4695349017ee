"""The stand-in checks requests as Stripe does, replays idempotent POSTs, proxies the rest."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from telegram_sim.stripe_connect import StripeConnectStandIn
from telegram_sim.stripe_params import nest_form
from tests.fixtures.stripe import STRIPE_TEST_SECRET_KEY, ChargeMaker

AUTH = {"Authorization": f"Bearer {STRIPE_TEST_SECRET_KEY}"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(
    http: aiohttp.ClientSession,
    url: str,
    data: dict[str, str],
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    async with http.post(url, data=data, headers={**AUTH, **(headers or {})}) as response:
        return response.status, await response.json(), dict(response.headers)


async def onboarded_account(stand_in: StripeConnectStandIn, http: aiohttp.ClientSession) -> str:
    status, body, _ = await post(
        http,
        f"{stand_in.url}/v1/accounts",
        {"type": "express", "capabilities[transfers][requested]": "true"},
    )
    assert status == 200
    await stand_in.complete_onboarding(body["id"])
    return str(body["id"])


def test_bracket_notation_nests_and_indexes_become_lists() -> None:
    form = nest_form(
        [
            ("metadata[user_id]", "42"),
            ("capabilities[transfers][requested]", "true"),
            ("expand[0]", "a"),
            ("expand[1]", "b"),
            ("type", "express"),
        ]
    )

    assert form == {
        "metadata": {"user_id": "42"},
        "capabilities": {"transfers": {"requested": "true"}},
        "expand": ["a", "b"],
        "type": "express",
    }


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer sk_test_someone_else"}, 401),
        ({"Authorization": "Basic " + base64.b64encode(b"sk_test_nope:").decode()}, 401),
        (
            {
                "Authorization": "Basic "
                + base64.b64encode(f"{STRIPE_TEST_SECRET_KEY}:".encode()).decode()
            },
            404,
        ),
        (AUTH, 404),
    ],
)
async def test_only_our_secret_key_is_let_in(
    stripe_api: StripeConnectStandIn,
    http: aiohttp.ClientSession,
    headers: dict[str, str],
    status: int,
) -> None:
    async with http.get(f"{stripe_api.url}/v1/accounts/acct_unknown", headers=headers) as r:
        body = await r.json()
    assert r.status == status
    assert body["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("data", "param", "code"),
    [
        ({"currency": "eur", "destination": "ACCOUNT"}, "amount", "parameter_missing"),
        ({"amount": "100", "currency": "eur"}, "destination", "parameter_missing"),
        (
            {"amount": "10.5", "currency": "eur", "destination": "ACCOUNT"},
            "amount",
            "parameter_invalid_integer",
        ),
        (
            {"amount": "0", "currency": "eur", "destination": "ACCOUNT"},
            "amount",
            "parameter_invalid_integer",
        ),
        ({"amount": "100", "destination": "ACCOUNT"}, "currency", "parameter_missing"),
        (
            {"amount": "100", "currency": "euro", "destination": "ACCOUNT"},
            "currency",
            "invalid_currency",
        ),
        (
            {"amount": "100", "currency": "eur", "destination": "acct_nope"},
            "destination",
            "resource_missing",
        ),
        (
            {"amount": "100", "currency": "eur", "destination": "ACCOUNT", "colour": "red"},
            "colour",
            "parameter_unknown",
        ),
    ],
)
async def test_malformed_transfers_are_refused_like_stripe(
    stripe_api: StripeConnectStandIn,
    http: aiohttp.ClientSession,
    data: dict[str, str],
    param: str,
    code: str,
) -> None:
    account_id = await onboarded_account(stripe_api, http)
    data = {k: account_id if v == "ACCOUNT" else v for k, v in data.items()}

    status, body, _ = await post(http, f"{stripe_api.url}/v1/transfers", data)

    assert status == 400
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["param"] == param
    assert body["error"]["code"] == code
    assert stripe_api.transfers == {}


@pytest.mark.parametrize(
    ("path", "data", "param"),
    [
        ("/v1/accounts", {"country": "FR"}, "type"),
        ("/v1/accounts", {"type": "standard"}, "type"),
        ("/v1/accounts", {"type": "express", "country": "France"}, "country"),
        (
            "/v1/accounts",
            {"type": "express", "capabilities[transfers][requested]": "yes"},
            "capabilities[transfers][requested]",
        ),
        (
            "/v1/account_links",
            {
                "account": "ACCOUNT",
                "refresh_url": "https://a.test/",
                "return_url": "https://a.test/",
            },
            "type",
        ),
        (
            "/v1/account_links",
            {
                "account": "ACCOUNT",
                "refresh_url": "not a url",
                "return_url": "https://a.test/",
                "type": "account_onboarding",
            },
            "refresh_url",
        ),
    ],
)
async def test_malformed_connect_requests_are_refused(
    stripe_api: StripeConnectStandIn,
    http: aiohttp.ClientSession,
    path: str,
    data: dict[str, str],
    param: str,
) -> None:
    account_id = await onboarded_account(stripe_api, http)
    data = {k: account_id if v == "ACCOUNT" else v for k, v in data.items()}

    status, body, _ = await post(http, f"{stripe_api.url}{path}", data)

    assert status == 400
    assert body["error"]["param"] == param


async def test_json_bodies_are_refused(
    stripe_api: StripeConnectStandIn, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        f"{stripe_api.url}/v1/accounts", json={"type": "express"}, headers=AUTH
    ) as response:
        assert response.status == 400
    assert stripe_api.accounts == {}


async def test_same_key_same_params_replays_the_first_response(
    stripe_api: StripeConnectStandIn, http: aiohttp.ClientSession
) -> None:
    url = f"{stripe_api.url}/v1/accounts"
    data = {"type": "express", "metadata[user_id]": "5"}

    _, first, first_headers = await post(http, url, data, {"Idempotency-Key": "k-1"})
    _, again, again_headers = await post(http, url, data, {"Idempotency-Key": "k-1"})

    assert again == first
    assert "Idempotent-Replayed" not in first_headers
    assert again_headers["Idempotent-Replayed"] == "true"
    assert len(stripe_api.accounts) == 1


async def test_same_key_other_params_is_an_idempotency_error(
    stripe_api: StripeConnectStandIn, http: aiohttp.ClientSession
) -> None:
    url = f"{stripe_api.url}/v1/accounts"
    await post(http, url, {"type": "express", "country": "FR"}, {"Idempotency-Key": "k-2"})

    status, body, _ = await post(
        http, url, {"type": "express", "country": "DE"}, {"Idempotency-Key": "k-2"}
    )

    assert status == 400
    assert body["error"]["type"] == "idempotency_error"
    assert len(stripe_api.accounts) == 1


async def test_a_refused_request_does_not_burn_its_key(
    stripe_api: StripeConnectStandIn, http: aiohttp.ClientSession
) -> None:
    """Stripe saves nothing when parameters fail validation; the corrected retry goes through."""
    url = f"{stripe_api.url}/v1/accounts"
    bad, _, _ = await post(http, url, {"type": "custom"}, {"Idempotency-Key": "k-3"})
    good, body, _ = await post(http, url, {"type": "express"}, {"Idempotency-Key": "k-3"})

    assert (bad, good) == (400, 200)
    assert body["id"] in stripe_api.accounts


async def test_transfers_can_be_read_back(
    stripe_api: StripeConnectStandIn, http: aiohttp.ClientSession
) -> None:
    account_id = await onboarded_account(stripe_api, http)
    _, created, _ = await post(
        http,
        f"{stripe_api.url}/v1/transfers",
        {"amount": "150", "currency": "EUR", "destination": account_id, "transfer_group": "g"},
    )

    async with http.get(f"{stripe_api.url}/v1/transfers/{created['id']}", headers=AUTH) as r:
        assert await r.json() == created
    async with http.get(f"{stripe_api.url}/v1/transfers/tr_nope", headers=AUTH) as missing:
        assert missing.status == 404
    assert created["currency"] == "eur"


async def test_other_endpoints_reach_localstripe(
    stripe_api: StripeConnectStandIn, http: aiohttp.ClientSession, make_charge: ChargeMaker
) -> None:
    charge_id = await make_charge(1234, "GBP")

    async with http.get(f"{stripe_api.url}/v1/charges/{charge_id}", headers=AUTH) as response:
        charge = await response.json()

    assert (charge["amount"], charge["currency"], charge["paid"]) == (1234, "gbp", True)


async def test_without_upstream_other_endpoints_are_unknown(http: aiohttp.ClientSession) -> None:
    async with (
        StripeConnectStandIn(None, STRIPE_TEST_SECRET_KEY) as stand_in,
        http.get(f"{stand_in.url}/v1/charges", headers=AUTH) as response,
    ):
        body = await response.json()
    assert response.status == 404
    assert "Unrecognized request URL" in body["error"]["message"]


async def test_url_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        _ = StripeConnectStandIn(None, STRIPE_TEST_SECRET_KEY).url
