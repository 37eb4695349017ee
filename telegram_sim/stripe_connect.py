"""A local stand-in for the Stripe Connect endpoints localstripe does not have.

localstripe emulates charges and refunds but not Connect (accounts, onboarding links,
transfers), and it ignores `Idempotency-Key`. This server fills both gaps so that the real
`StripeGateway` can be exercised offline with a single `api_base`:

* `POST /v1/accounts`, `GET /v1/accounts/{id}`, `POST /v1/account_links`, `POST /v1/transfers`,
  `GET /v1/transfers` (newest first, paged) and `GET /v1/transfers/{id}` are served here, with
  Stripe's request shapes (form bodies in bracket notation, secret-key auth) and Stripe's error
  JSON.
* every other `/v1/...` request is proxied to the upstream (localstripe); refunds are checked
  first against the charge's unrefunded amount, which localstripe does not do.
* every `POST` honours `Idempotency-Key` as Stripe does: the same key with the same parameters
  replays the first response, with other parameters it is refused with an `idempotency_error`.
* `GET /connect/onboarding/{token}` is where an onboarding link leads: it completes onboarding
  (as if the freelancer filled Stripe's form) and redirects to the link's `return_url`.

Tests and the demo drive it through `complete_onboarding`, `accounts` and `transfers`. When a
webhook URL and secret are set, finishing onboarding POSTs a signed `account.updated` event.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

from telegram_sim.stripe_params import (
    StripeHTTPError,
    capabilities_param,
    json_response,
    metadata_param,
    new_id,
    only_params,
    optional_str,
    positive_int,
    read_form,
    redact_key,
    required_str,
    requirements_for,
    url_param,
    worth_saving,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_ACCOUNT_PARAMS = frozenset(
    {"type", "country", "email", "capabilities", "metadata", "business_type", "expand"}
)
_LINK_PARAMS = frozenset({"account", "refresh_url", "return_url", "type", "collect", "expand"})
_TRANSFER_PARAMS = frozenset(
    {
        "amount",
        "currency",
        "destination",
        "transfer_group",
        "source_transaction",
        "description",
        "metadata",
        "expand",
    }
)
_DEFAULT_CURRENCY = {"US": "usd", "GB": "gbp", "CA": "cad", "AU": "aud", "JP": "jpy"}
_REQUIREMENTS_DUE = ["external_account", "tos_acceptance.date", "tos_acceptance.ip"]
_LINK_TTL_S = 300
_PROXIED_HEADERS = ("Authorization", "Content-Type", "Stripe-Version", "Stripe-Account")


@dataclass(frozen=True, slots=True)
class _SavedResponse:
    fingerprint: tuple[str, str, Any]
    status: int
    body: bytes
    content_type: str


@dataclass(slots=True)
class _OnboardingLink:
    account_id: str
    refresh_url: str
    return_url: str
    expires_at: int
    used: bool = False


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One attempt to deliver an event; `status` is None when the endpoint was unreachable."""

    event: dict[str, Any]
    status: int | None
    error: str | None = None


class StripeConnectStandIn:
    """The local Connect server; `await start()` then point `StripeGateway` at `.url`."""

    def __init__(
        self,
        upstream: str | None,
        secret_key: str,
        *,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self._upstream = upstream.rstrip("/") if upstream else None
        self._secret_key = secret_key
        self._host = host
        self._webhook_url = webhook_url
        self._webhook_secret = webhook_secret
        self.accounts: dict[str, dict[str, Any]] = {}
        self.transfers: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self._links: dict[str, _OnboardingLink] = {}
        self._saved: dict[tuple[str, str], _SavedResponse] = {}
        self._key_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._url: str | None = None

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The API base, e.g. `http://127.0.0.1:41234`; only once started."""
        if self._url is None:
            raise RuntimeError("the stand-in is not started")
        return self._url

    async def start(self, port: int = 0) -> str:
        """Listen on `host:port` (a free port by default) and return the URL."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_post("/v1/accounts", self._create_account)
        app.router.add_get("/v1/accounts/{id}", self._get_account)
        app.router.add_post("/v1/account_links", self._create_account_link)
        app.router.add_post("/v1/transfers", self._create_transfer)
        app.router.add_get("/v1/transfers", self._list_transfers)
        app.router.add_get("/v1/transfers/{id}", self._get_transfer)
        app.router.add_get("/connect/onboarding/{token}", self._visit_onboarding_link)
        app.router.add_route("*", "/v1/{tail:.*}", self._proxy)
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, port))
        site = web.SockSite(self._runner, sock)
        await site.start()
        self._url = f"http://{self._host}:{sock.getsockname()[1]}"
        return self._url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- control API ------------------------------------------------------------------------

    def configure_webhook(self, url: str, secret: str) -> None:
        """Send `account.updated` events to `url`, signed with `secret`."""
        self._webhook_url = url
        self._webhook_secret = secret

    async def complete_onboarding(self, account_id: str) -> dict[str, Any]:
        """Do what the freelancer finishing Stripe's form does; returns the updated account."""
        account = self.accounts.get(account_id)
        if account is None:
            raise KeyError(f"no such account: {account_id}")
        previous = {
            "details_submitted": account["details_submitted"],
            "charges_enabled": account["charges_enabled"],
            "payouts_enabled": account["payouts_enabled"],
        }
        account["details_submitted"] = True
        account["charges_enabled"] = True
        account["payouts_enabled"] = True
        account["capabilities"] = {name: "active" for name in account["capabilities"]}
        account["requirements"] = requirements_for(due=[])
        await self._send_event("account.updated", account, previous, account_id=account_id)
        return account

    # -- middleware: log, authenticate, idempotency -----------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        try:
            if not request.path.startswith("/v1/"):
                return await handler(request)
            api_key = self._authenticate(request)
            idempotency_key = request.headers.get("Idempotency-Key")
            if request.method == "POST" and idempotency_key:
                return await self._idempotent(request, handler, api_key, idempotency_key)
            return await handler(request)
        except StripeHTTPError as exc:
            return exc.response()

    def _authenticate(self, request: web.Request) -> str:
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        if scheme == "Bearer":
            api_key = credentials.strip()
        elif scheme == "Basic":
            try:
                decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                decoded = ""
            api_key = decoded.partition(":")[0]
        else:
            raise StripeHTTPError(
                401,
                "You did not provide an API key. Provide it in the Authorization header "
                "(Authorization: Bearer YOUR_SECRET_KEY).",
            )
        if not secrets.compare_digest(api_key.encode(), self._secret_key.encode()):
            raise StripeHTTPError(401, f"Invalid API Key provided: {redact_key(api_key)}")
        return api_key

    async def _idempotent(
        self, request: web.Request, handler: Handler, api_key: str, key: str
    ) -> web.StreamResponse:
        if len(key) > 255:
            raise StripeHTTPError(
                400, "Idempotency keys may be at most 255 characters.", code="idempotency_error"
            )
        fingerprint = (request.method, request.path, await read_form(request))
        slot = (api_key, key)
        lock = self._key_locks.setdefault(slot, asyncio.Lock())
        async with lock:
            saved = self._saved.get(slot)
            if saved is not None:
                if saved.fingerprint != fingerprint:
                    raise StripeHTTPError(
                        400,
                        "Keys for idempotent requests can only be used with the same "
                        f"parameters they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                        error_type="idempotency_error",
                    )
                replay = web.Response(
                    body=saved.body, status=saved.status, content_type=saved.content_type
                )
                replay.headers["Idempotent-Replayed"] = "true"
                replay.headers["Idempotency-Key"] = key
                return replay
            response = await handler(request)
            if isinstance(response, web.Response) and worth_saving(response):
                body = response.body
                self._saved[slot] = _SavedResponse(
                    fingerprint,
                    response.status,
                    body if isinstance(body, bytes) else b"",
                    response.content_type,
                )
            return response

    # -- accounts ---------------------------------------------------------------------------

    async def _create_account(self, request: web.Request) -> web.Response:
        params = await read_form(request)
        only_params(params, _ACCOUNT_PARAMS)
        account_type = required_str(params, "type")
        if account_type != "express":
            raise StripeHTTPError(
                400,
                f"Invalid type: {account_type!r}; the local stand-in supports only 'express'.",
                param="type",
                code="parameter_invalid_string",
            )
        country = optional_str(params, "country") or "US"
        if not re.fullmatch(r"[A-Za-z]{2}", country):
            raise StripeHTTPError(
                400, f"Invalid country: {country}", param="country", code="country_unsupported"
            )
        country = country.upper()
        email = optional_str(params, "email")
        if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise StripeHTTPError(
                400, f"Invalid email address: {email}", param="email", code="email_invalid"
            )
        account_id = new_id("acct_")
        self.accounts[account_id] = {
            "id": account_id,
            "object": "account",
            "type": "express",
            "country": country,
            "email": email,
            "business_type": optional_str(params, "business_type"),
            "created": int(time.time()),
            "default_currency": _DEFAULT_CURRENCY.get(country, "eur"),
            "details_submitted": False,
            "charges_enabled": False,
            "payouts_enabled": False,
            "capabilities": {name: "inactive" for name in capabilities_param(params)},
            "requirements": requirements_for(due=_REQUIREMENTS_DUE),
            "metadata": metadata_param(params),
            "livemode": False,
        }
        return json_response(self.accounts[account_id])

    async def _get_account(self, request: web.Request) -> web.Response:
        account_id = request.match_info["id"]
        account = self.accounts.get(account_id)
        if account is None:
            raise StripeHTTPError(
                404, f"No such account: '{account_id}'", param="account", code="resource_missing"
            )
        return json_response(account)

    async def _create_account_link(self, request: web.Request) -> web.Response:
        params = await read_form(request)
        only_params(params, _LINK_PARAMS)
        account_id = required_str(params, "account")
        refresh_url = url_param(params, "refresh_url")
        return_url = url_param(params, "return_url")
        link_type = required_str(params, "type")
        if link_type not in ("account_onboarding", "account_update"):
            raise StripeHTTPError(
                400, f"Invalid type: {link_type}", param="type", code="parameter_invalid_string"
            )
        if account_id not in self.accounts:
            raise StripeHTTPError(
                400, f"No such account: '{account_id}'", param="account", code="resource_missing"
            )
        created = int(time.time())
        token = secrets.token_urlsafe(16)
        self._links[token] = _OnboardingLink(
            account_id, refresh_url, return_url, expires_at=created + _LINK_TTL_S
        )
        return json_response(
            {
                "object": "account_link",
                "created": created,
                "expires_at": created + _LINK_TTL_S,
                "url": f"{self.url}/connect/onboarding/{token}",
            }
        )

    async def _visit_onboarding_link(self, request: web.Request) -> web.StreamResponse:
        link = self._links.get(request.match_info["token"])
        if link is None:
            return web.Response(status=404, text="Unknown onboarding link.")
        if link.used or link.expires_at < time.time():
            raise web.HTTPFound(link.refresh_url)
        link.used = True
        await self.complete_onboarding(link.account_id)
        raise web.HTTPFound(link.return_url)

    # -- transfers --------------------------------------------------------------------------

    async def _create_transfer(self, request: web.Request) -> web.Response:
        params = await read_form(request)
        only_params(params, _TRANSFER_PARAMS)
        amount = positive_int(params, "amount")
        currency = required_str(params, "currency").lower()
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise StripeHTTPError(
                400, f"Invalid currency: {currency}", param="currency", code="invalid_currency"
            )
        destination = required_str(params, "destination")
        account = self.accounts.get(destination)
        if account is None:
            raise StripeHTTPError(
                400,
                f"No such destination: '{destination}'",
                param="destination",
                code="resource_missing",
            )
        if account["capabilities"].get("transfers") != "active":
            raise StripeHTTPError(
                400,
                "Your destination account needs to have at least one of the following "
                "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                param="destination",
                code="insufficient_capabilities_for_transfer",
            )
        source = optional_str(params, "source_transaction")
        if source is not None:
            await self._check_source_transaction(source, amount, currency)
        transfer_id = new_id("tr_")
        self.transfers[transfer_id] = {
            "id": transfer_id,
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "currency": currency,
            "created": int(time.time()),
            "description": optional_str(params, "description"),
            "destination": destination,
            "destination_payment": new_id("py_"),
            "livemode": False,
            "metadata": metadata_param(params),
            "reversed": False,
            "reversals": {
                "object": "list",
                "data": [],
                "has_more": False,
                "url": f"/v1/transfers/{transfer_id}/reversals",
            },
            "source_transaction": source,
            "source_type": "card",
            "transfer_group": optional_str(params, "transfer_group"),
        }
        return json_response(self.transfers[transfer_id])

    async def _check_source_transaction(self, source: str, amount: int, currency: str) -> None:
        if not source.startswith("ch_"):
            raise StripeHTTPError(
                400,
                f"No such charge: '{source}'",
                param="source_transaction",
                code="resource_missing",
            )
        if self._upstream is None:
            return
        charge = await self._upstream_get(f"/v1/charges/{source}")
        if charge is None:
            raise StripeHTTPError(
                400,
                f"No such charge: '{source}'",
                param="source_transaction",
                code="resource_missing",
            )
        if str(charge.get("currency", "")).lower() != currency:
            raise StripeHTTPError(
                400,
                f"The currency of source_transaction's balance transaction "
                f"({charge.get('currency')}) must be the same as the transfer currency "
                f"({currency}).",
                param="currency",
                code="parameter_invalid_string",
            )
        already = sum(
            t["amount"] for t in self.transfers.values() if t["source_transaction"] == source
        )
        available = int(charge.get("amount", 0)) - already
        if amount > available:
            raise StripeHTTPError(
                400,
                f"Transfer amount {amount} exceeds the {available} available on the "
                f"source_transaction {source}.",
                param="amount",
                code="amount_too_large",
            )

    async def _list_transfers(self, request: web.Request) -> web.Response:
        """A page of transfers, newest first, as Stripe lists them (`limit` 1-100,
        `starting_after`, `created[gt|gte|lt|lte]`)."""
        query = request.query
        raw_limit = query.get("limit", "10")
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
            raise StripeHTTPError(400, "Invalid limit: must be between 1 and 100", param="limit")
        bounds = _created_bounds(request)
        newest_first = [
            t for t in reversed(list(self.transfers.values()))
            if all(_CREATED_TESTS[op](t["created"], value) for op, value in bounds.items())
        ]  # fmt: skip
        after = query.get("starting_after")
        if after is not None:
            ids = [t["id"] for t in newest_first]
            if after not in ids:
                raise StripeHTTPError(
                    400, f"No such transfer: '{after}'", param="starting_after",
                    code="resource_missing",
                )  # fmt: skip
            newest_first = newest_first[ids.index(after) + 1 :]
        limit = int(raw_limit)
        return json_response(
            {
                "object": "list",
                "url": "/v1/transfers",
                "has_more": len(newest_first) > limit,
                "data": newest_first[:limit],
            }
        )

    async def _get_transfer(self, request: web.Request) -> web.Response:
        transfer_id = request.match_info["id"]
        transfer = self.transfers.get(transfer_id)
        if transfer is None:
            raise StripeHTTPError(
                404, f"No such transfer: '{transfer_id}'", param="id", code="resource_missing"
            )
        return json_response(transfer)

    # -- proxy to localstripe ---------------------------------------------------------------

    async def _proxy(self, request: web.Request) -> web.Response:
        if self._upstream is None or self._session is None:
            raise StripeHTTPError(
                404, f"Unrecognized request URL ({request.method}: {request.path})."
            )
        if request.method == "POST" and request.path == "/v1/refunds":
            await self._check_refund(await read_form(request))
        headers = {
            name: request.headers[name] for name in _PROXIED_HEADERS if name in request.headers
        }
        body = await request.read()
        path_qs, created = request.path_qs, _created_bounds(request)
        if created and request.method == "GET" and request.path == "/v1/refunds":
            # localstripe lists refunds without a `created` filter: ask for the page without it
            # and filter here (newest first, so a page past the bound ends the listing).
            kept = [(k, v) for k, v in request.query.items() if not k.startswith("created[")]
            path_qs = str(request.rel_url.with_query(kept))
        else:
            created = {}
        try:
            async with self._session.request(
                request.method,
                f"{self._upstream}{path_qs}",
                headers=headers,
                data=body if body else None,
            ) as upstream:
                payload = await upstream.read()
                if created and upstream.status == 200:
                    payload = _filter_created(payload, created)
                return web.Response(
                    body=payload,
                    status=upstream.status,
                    content_type=upstream.content_type or "application/json",
                )
        except aiohttp.ClientError as exc:
            raise StripeHTTPError(
                503, f"Upstream Stripe API unreachable: {exc}", error_type="api_error"
            ) from exc

    async def _check_refund(self, params: dict[str, Any]) -> None:
        """Refuse what Stripe refuses and localstripe lets through: refunding too much."""
        charge_id = params.get("charge")
        if not isinstance(charge_id, str):
            return
        charge = await self._upstream_get(f"/v1/charges/{charge_id}")
        if charge is None:
            return  # localstripe answers the 404 itself
        remaining = int(charge.get("amount", 0)) - int(charge.get("amount_refunded", 0))
        if remaining <= 0:
            raise StripeHTTPError(
                400,
                f"Charge {charge_id} has already been refunded.",
                param="charge",
                code="charge_already_refunded",
            )
        amount = params.get("amount")
        if isinstance(amount, str) and amount.isdigit() and int(amount) > remaining:
            raise StripeHTTPError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({remaining})",
                param="amount",
                code="amount_too_large",
            )

    async def _upstream_get(self, path: str) -> dict[str, Any] | None:
        """GET an upstream object with our key; None when it does not exist."""
        if self._upstream is None or self._session is None:
            return None
        try:
            async with self._session.get(
                f"{self._upstream}{path}",
                headers={"Authorization": f"Bearer {self._secret_key}"},
            ) as response:
                if response.status != 200:
                    return None
                data = await response.json()
        except aiohttp.ClientError as exc:
            raise StripeHTTPError(
                503, f"Upstream Stripe API unreachable: {exc}", error_type="api_error"
            ) from exc
        return data if isinstance(data, dict) else None

    # -- webhooks ---------------------------------------------------------------------------

    async def _send_event(
        self,
        event_type: str,
        data_object: dict[str, Any],
        previous: dict[str, Any],
        *,
        account_id: str,
    ) -> None:
        if not self._webhook_url or not self._webhook_secret or self._session is None:
            return
        now = int(time.time())
        event = {
            "id": new_id("evt_"),
            "object": "event",
            "account": account_id,
            "created": now,
            "type": event_type,
            "data": {
                "object": json.loads(json.dumps(data_object)),
                "previous_attributes": previous,
            },
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
        }
        payload = json.dumps(event).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign_stripe_payload(payload, self._webhook_secret, now),
        }
        try:
            async with self._session.post(self._webhook_url, data=payload, headers=headers) as r:
                self.webhook_deliveries.append(WebhookDelivery(event, r.status))
        except aiohttp.ClientError as exc:
            self.webhook_deliveries.append(WebhookDelivery(event, None, str(exc)))


_CREATED_TESTS: dict[str, Callable[[int, int], bool]] = {
    "gt": lambda created, bound: created > bound,
    "gte": lambda created, bound: created >= bound,
    "lt": lambda created, bound: created < bound,
    "lte": lambda created, bound: created <= bound,
}


def _created_bounds(request: web.Request) -> dict[str, int]:
    """`created[gt]=...` and friends of a list request, as integers."""
    bounds = {}
    for op in _CREATED_TESTS:
        value = request.query.get(f"created[{op}]")
        if value is not None:
            if not value.isdigit():
                raise StripeHTTPError(400, "Invalid integer for created", param="created")
            bounds[op] = int(value)
    return bounds


def _filter_created(payload: bytes, bounds: dict[str, int]) -> bytes:
    """A list page with only the objects whose `created` is within `bounds`."""
    page = json.loads(payload)
    page["data"] = [
        item
        for item in page.get("data", [])
        if all(_CREATED_TESTS[op](int(item.get("created", 0)), v) for op, v in bounds.items())
    ]
    return json.dumps(page).encode()


SIGNATURE_HEADER = "Stripe-Signature"


def sign_stripe_payload(payload: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header Stripe sends: `t=<ts>,v1=<HMAC-SHA256 of "ts.payload">`.

    Written here from Stripe's public scheme rather than imported from the bot, so the
    simulator depends on no bot code; the bot's verifier checks these signatures in the tests.
    """
    signed = str(timestamp).encode("ascii") + b"." + payload
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
