"""The one codec for data a user hands back to us: inline buttons and invoice payloads.

Every inline button's `callback_data` and every invoice's `invoice_payload` is
`prefix:field:field...` built from a declared `CallbackAction` (a prefix and typed fields:
int, bool, short text or a `StrEnum`). Unpacking checks the prefix, the field count and each
field's type and enum value, so a stale or forged button (or payload) fails here with
`ForgedCallback` -- a polite "no longer valid" answer -- and never reaches a service as garbage
nor falls through an if/elif to a default branch; services still check that the user may act
on what the data names.

Packing refuses (as a programming error) what would not fit Telegram's 64 bytes or what the
separator would break. The text format is the one the bot has always written (`order:<id>`,
`tip:<order>:<amount>`), so buttons and invoices already out in chats keep working.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.errors import NotAllowed
from bot.i18n.markers import N_

#: Telegram's limit for callback_data; invoice payloads may be 128 bytes, we keep both to 64.
MAX_CALLBACK_BYTES = 64
SEPARATOR = ":"
_PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
_TEXT = re.compile(r"^[A-Za-z0-9_\-]*$")
_INT = re.compile(r"^-?\d{1,19}$")
_TRUE, _FALSE = "1", "0"


class ForgedCallback(NotAllowed):
    default_message = N_("That button is no longer valid. Please open the menu again.")


class CallbackTooLong(ValueError):
    """A programming error: the packed data would not fit Telegram's 64 bytes."""


#: A field's type: int, bool, str (short [A-Za-z0-9_-] text) or a StrEnum subclass.
FieldType = type[int] | type[str] | type[bool] | type[StrEnum]


def _check_field_type(prefix: str, name: str, kind: FieldType) -> None:
    if kind in (int, str, bool):
        return
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        for member in kind:
            if SEPARATOR in member.value or not _TEXT.match(member.value):
                raise ValueError(f"{prefix}.{name}: enum value {member.value!r} cannot be packed")
        return
    raise ValueError(f"{prefix}.{name}: unsupported field type {kind!r}")


def _encode(prefix: str, name: str, kind: FieldType, value: Any) -> str:
    if kind is bool:
        if not isinstance(value, bool):
            raise TypeError(f"{prefix}.{name} must be bool")
        return _TRUE if value else _FALSE
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{prefix}.{name} must be int")
        return str(value)
    if kind is str:
        text = str(value)
        if SEPARATOR in text or not _TEXT.match(text):
            raise TypeError(f"{prefix}.{name} has characters buttons cannot carry")
        return text
    assert issubclass(kind, StrEnum)
    try:  # a member, or the text of one (what an old constant or a test may hold)
        return kind(value).value
    except ValueError:
        raise TypeError(f"{prefix}.{name} must be a {kind.__name__}") from None


def _decode(kind: FieldType, raw: str) -> Any:
    """The typed value of one field, or ForgedCallback."""
    if kind is bool:
        if raw not in (_TRUE, _FALSE):
            raise ForgedCallback()
        return raw == _TRUE
    if kind is int:
        if not _INT.match(raw):
            raise ForgedCallback()
        return int(raw)
    if kind is str:
        if not _TEXT.match(raw):
            raise ForgedCallback()
        return raw
    assert issubclass(kind, StrEnum)
    try:
        return kind(raw)
    except ValueError:
        raise ForgedCallback() from None


@dataclass(frozen=True)
class CallbackAction:
    """A kind of button (or invoice): `prefix` plus named, typed fields."""

    prefix: str
    fields: tuple[tuple[str, FieldType], ...] = ()

    def __post_init__(self) -> None:
        if not _PREFIX.match(self.prefix):
            raise ValueError(f"bad callback prefix {self.prefix!r}")
        for name, kind in self.fields:
            _check_field_type(self.prefix, name, kind)

    def pack(self, **values: Any) -> str:
        if set(values) != {name for name, _ in self.fields}:
            raise TypeError(f"{self.prefix} takes {[n for n, _ in self.fields]}, got {values}")
        parts = [self.prefix]
        parts += [_encode(self.prefix, name, kind, values[name]) for name, kind in self.fields]
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise CallbackTooLong(f"callback_data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data

    def unpack(self, data: str) -> dict[str, Any]:
        parts = data.split(SEPARATOR)
        if parts[0] != self.prefix or len(parts) != len(self.fields) + 1:
            raise ForgedCallback()
        return {
            name: _decode(kind, raw)
            for (name, kind), raw in zip(self.fields, parts[1:], strict=True)
        }

    def matches(self, data: str) -> bool:
        """Whether `data` is addressed to this action (its prefix); its fields may still be
        forged, which `unpack` then refuses."""
        return data == self.prefix or data.startswith(self.prefix + SEPARATOR)

    @property
    def pattern(self) -> str:
        """A regex for CallbackQueryHandler(pattern=...) matching this action's buttons.

        Two actions with different prefixes have disjoint patterns: the prefix is followed by
        the separator or the end, and prefixes never contain the separator."""
        return rf"^{re.escape(self.prefix)}({re.escape(SEPARATOR)}|$)"


class CallbackRegistry:
    """All actions of the bot: prefixes must be unique so no two flows read each other's data."""

    def __init__(self) -> None:
        self._actions: dict[str, CallbackAction] = {}

    def register(self, action: CallbackAction) -> CallbackAction:
        """Add `action`; the same action again is a no-op (a route and the module that draws
        its buttons may both declare it), another action on its prefix an error."""
        if self._actions.get(action.prefix) == action:
            return action
        if action.prefix in self._actions:
            raise ValueError(f"callback prefix {action.prefix!r} registered twice")
        self._actions[action.prefix] = action
        return action

    def __iter__(self) -> Iterator[CallbackAction]:
        return iter(self._actions.values())

    def decode(self, data: str) -> tuple[CallbackAction, dict[str, Any]]:
        """The action `data` belongs to and its typed fields; an unknown action is forged."""
        action = self._actions.get(data.split(SEPARATOR, 1)[0])
        if action is None:
            raise ForgedCallback()
        return action, action.unpack(data)


def action(prefix: str, **fields: FieldType) -> CallbackAction:
    """Declare a button kind: `GIG_OPEN = action("go", gig=int)`."""
    return CallbackAction(prefix, tuple(fields.items()))
