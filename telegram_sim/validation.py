"""Request parameters checked and coerced against the generated API table.

Telegram accepts every parameter as a string (query string, form fields) as well as native
JSON; complex values arrive JSON-encoded inside form fields. So each value is coerced to the
field's type string ("Integer or String", "Array of LabeledPrice", "InputFile or String", ...)
and a value that fits none of the alternatives is a 400, as is a missing required field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from telegram_sim.api_spec import MethodSpec
from telegram_sim.api_table import METHODS
from telegram_sim.errors import ApiError, bad_request

_INT_RE = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    data: bytes
    filename: str
    content_type: str


class _NoMatch(Exception):
    pass


def find_method(name: str, index: dict[str, MethodSpec]) -> MethodSpec:
    """The method spec for a case-insensitive name, or Telegram's 404."""
    spec = index.get(name.lower())
    if spec is None:
        raise ApiError(404, "Not Found")
    return spec


def method_index() -> dict[str, MethodSpec]:
    """Lower-cased method name -> spec, built per server (method names are case-insensitive)."""
    return {name.lower(): spec for name, spec in METHODS.items()}


def validate_params(
    spec: MethodSpec, raw: dict[str, Any], files: dict[str, UploadedFile]
) -> dict[str, Any]:
    """Coerce every known field; unknown fields are ignored as Telegram does."""
    params: dict[str, Any] = {}
    for field in spec.fields:
        value = raw.get(field.name)
        if value is None and field.name in files:
            value = files[field.name]
        if value is None or (value == "" and field.required and field.type != "String"):
            if field.required:
                raise bad_request(missing_message(spec.name, field.name))
            continue
        try:
            params[field.name] = coerce(value, field.type, files)
        except _NoMatch:
            raise bad_request(f'field "{field.name}" must be of type {field.type}') from None
    return params


def missing_message(method: str, field: str) -> str:
    """Telegram's wording for a missing required field."""
    if field == "text":
        return "message text is empty"
    if field == "chat_id":
        return "chat_id is empty"
    return f'parameter "{field}" is required but not specified'


def coerce(value: Any, type_str: str, files: dict[str, UploadedFile]) -> Any:
    """The value as the first alternative of `type_str` it fits, or raise _NoMatch."""
    for alternative in _alternatives(type_str):
        try:
            return _coerce_one(value, alternative, files)
        except _NoMatch:
            continue
    raise _NoMatch


def _alternatives(type_str: str) -> list[str]:
    alts = type_str.split(" or ")
    # Try numbers before strings so "123" for "Integer or String" becomes an int.
    return sorted(alts, key=lambda a: a == "String")


def _coerce_one(value: Any, type_str: str, files: dict[str, UploadedFile]) -> Any:
    if type_str.startswith("Array of "):
        items = _json_value(value)
        if not isinstance(items, list):
            raise _NoMatch
        inner = type_str.removeprefix("Array of ")
        return [_coerce_one(item, inner, files) for item in items]
    if type_str == "Integer":
        return _as_int(value)
    if type_str == "Float":
        return _as_float(value)
    if type_str == "Boolean":
        return _as_bool(value)
    if type_str == "String":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _NoMatch
        return value if isinstance(value, str) else str(value)
    if type_str == "InputFile":
        return _as_file(value, files)
    obj = _json_value(value)
    if not isinstance(obj, dict):
        raise _NoMatch
    return obj


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise _NoMatch
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value.strip())
    raise _NoMatch


def _as_float(value: Any) -> float:
    if isinstance(value, bool):
        raise _NoMatch
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise _NoMatch from None
    raise _NoMatch


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise _NoMatch


def _as_file(value: Any, files: dict[str, UploadedFile]) -> UploadedFile:
    if isinstance(value, UploadedFile):
        return value
    if isinstance(value, str) and value.startswith("attach://"):
        part = files.get(value.removeprefix("attach://"))
        if part is not None:
            return part
    raise _NoMatch


def _json_value(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise _NoMatch from None
    return value
