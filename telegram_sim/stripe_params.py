"""Stripe's request shapes for the local stand-in: form bodies, parameter checks, errors.

Stripe reads form bodies in bracket notation (`a[b][c]=v`, `a[0]=v`), refuses unknown or
malformed parameters with a JSON error naming the parameter, and never stores an error under
an idempotency key. Kept apart from `stripe_connect.py`, which holds the endpoints and state.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web


class StripeHTTPError(Exception):
    """An error answered in Stripe's JSON shape; never saved under an idempotency key."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        error_type: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": error_type, "message": message}
        if param is not None:
            self.body["param"] = param
        if code is not None:
            self.body["code"] = code

    def response(self) -> web.Response:
        return json_response({"error": self.body}, status=self.status)


async def read_form(request: web.Request) -> dict[str, Any]:
    """The body (or query for GET) as Stripe reads it: `a[b][c]=v` and `a[0]=v` nest."""
    if request.method == "GET":
        pairs = list(request.query.items())
    else:
        raw = await request.read()
        if raw and request.content_type not in ("application/x-www-form-urlencoded", ""):
            raise StripeHTTPError(
                400,
                f"Invalid request: unsupported Content-Type {request.content_type}. "
                "If error persists and you need assistance, please contact support.",
            )
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError as exc:
            raise StripeHTTPError(400, "Invalid request: the body is not UTF-8.") from exc
    return nest_form(pairs)


def nest_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Turn flat bracket-notation pairs into nested dicts, and all-digit keys into lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", key)
        if match is None:
            raise StripeHTTPError(400, f"Invalid parameter name: {key}", param=key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for index, part in enumerate(parts[:-1]):
            if part == "":
                part = str(len(node))
            child = node.get(part)
            if not isinstance(child, dict):
                if child is not None:
                    raise StripeHTTPError(
                        400, f"Invalid hash for {parts[0]}", param="".join(parts[: index + 1])
                    )
                child = {}
                node[part] = child
            node = child
        last = parts[-1] if parts[-1] != "" else str(len(node))
        node[last] = value
    return _lists(root)


def _lists(node: dict[str, Any]) -> dict[str, Any]:
    for key, value in node.items():
        if isinstance(value, dict):
            nested = _lists(value)
            if nested and all(k.isdigit() for k in nested):
                node[key] = [nested[k] for k in sorted(nested, key=int)]
            else:
                node[key] = nested
    return node


def only_params(params: dict[str, Any], allowed: frozenset[str]) -> None:
    for name in params:
        if name not in allowed:
            raise StripeHTTPError(
                400,
                f"Received unknown parameter: {name}",
                param=name,
                code="parameter_unknown",
            )


def required_str(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise StripeHTTPError(
            400, f"Missing required param: {name}.", param=name, code="parameter_missing"
        )
    if not isinstance(value, str):
        raise StripeHTTPError(
            400, f"Invalid string: {name}", param=name, code="parameter_invalid_string"
        )
    return value


def optional_str(params: dict[str, Any], name: str) -> str | None:
    if params.get(name) in (None, ""):
        return None
    return required_str(params, name)


def positive_int(params: dict[str, Any], name: str) -> int:
    value = required_str(params, name)
    if not re.fullmatch(r"[0-9]+", value):
        raise StripeHTTPError(
            400, f"Invalid integer: {value}", param=name, code="parameter_invalid_integer"
        )
    number = int(value)
    if number <= 0:
        raise StripeHTTPError(
            400,
            "This value must be greater than or equal to 1.",
            param=name,
            code="parameter_invalid_integer",
        )
    return number


def url_param(params: dict[str, Any], name: str) -> str:
    value = required_str(params, name)
    if not re.fullmatch(r"https?://[^\s/]+\S*", value):
        raise StripeHTTPError(400, f"Not a valid URL: {value}", param=name, code="url_invalid")
    return value


def capabilities_param(params: dict[str, Any]) -> list[str]:
    raw = params.get("capabilities")
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise StripeHTTPError(400, "Invalid hash", param="capabilities")
    requested: list[str] = []
    for name, spec in raw.items():
        flag = spec.get("requested") if isinstance(spec, dict) else None
        if flag not in ("true", "false"):
            raise StripeHTTPError(
                400,
                f"Invalid boolean: {flag}",
                param=f"capabilities[{name}][requested]",
                code="parameter_invalid_boolean",
            )
        if flag == "true":
            requested.append(name)
    return requested


def metadata_param(params: dict[str, Any]) -> dict[str, str]:
    raw = params.get("metadata")
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict) or len(raw) > 50:
        raise StripeHTTPError(400, "Invalid hash", param="metadata")
    for key, value in raw.items():
        if not isinstance(value, str) or len(key) > 40 or len(value) > 500:
            raise StripeHTTPError(400, f"Invalid metadata[{key}]", param=f"metadata[{key}]")
    return dict(raw)


def requirements_for(due: list[str]) -> dict[str, Any]:
    return {
        "currently_due": list(due),
        "eventually_due": list(due),
        "past_due": list(due),
        "disabled_reason": "requirements.past_due" if due else None,
    }


def worth_saving(response: web.Response) -> bool:
    """Stripe saves what an endpoint answered once it started; not auth or server failures."""
    return response.status < 500 and response.status != 401


def json_response(data: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode(), status=status, content_type="application/json"
    )


def new_id(prefix: str) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(16))


def redact_key(api_key: str) -> str:
    return f"{api_key[:8]}****{api_key[-4:]}" if len(api_key) > 12 else "****"
