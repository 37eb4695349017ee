"""The one callback-data codec: typed actions packed into Telegram's 64-byte callback_data.

Every inline button's data is `prefix:field:field...` built from a declared `CallbackAction`
(a prefix and typed fields). Parsing checks the prefix, the field count and each field's type,
so a forged or stale button fails here with `ForgedCallback` and never reaches a service as
garbage; services still check that the user may act on what the button names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.errors import NotAllowed
from bot.i18n.markers import N_

MAX_CALLBACK_BYTES = 64
SEPARATOR = ":"
_PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
_TEXT = re.compile(r"^[A-Za-z0-9_\-]*$")


class ForgedCallback(NotAllowed):
    default_message = N_("That button is no longer valid. Please open the menu again.")


class CallbackTooLong(ValueError):
    """A programming error: the packed data would not fit Telegram's 64 bytes."""


FieldType = type[int] | type[str]


@dataclass(frozen=True)
class CallbackAction:
    """A kind of button: `prefix` plus named, typed fields (int or short [A-Za-z0-9_-] text)."""

    prefix: str
    fields: tuple[tuple[str, FieldType], ...] = ()

    def __post_init__(self) -> None:
        if not _PREFIX.match(self.prefix):
            raise ValueError(f"bad callback prefix {self.prefix!r}")

    def pack(self, **values: Any) -> str:
        if set(values) != {name for name, _ in self.fields}:
            raise TypeError(f"{self.prefix} takes {[n for n, _ in self.fields]}, got {values}")
        parts = [self.prefix]
        for name, kind in self.fields:
            value = values[name]
            if kind is int:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise TypeError(f"{self.prefix}.{name} must be int")
                parts.append(str(value))
            else:
                text = str(value)
                if SEPARATOR in text or not _TEXT.match(text):
                    raise TypeError(f"{self.prefix}.{name} has characters buttons cannot carry")
                parts.append(text)
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise CallbackTooLong(f"callback_data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data

    def unpack(self, data: str) -> dict[str, Any]:
        parts = data.split(SEPARATOR)
        if parts[0] != self.prefix or len(parts) != len(self.fields) + 1:
            raise ForgedCallback()
        values: dict[str, Any] = {}
        for (name, kind), raw in zip(self.fields, parts[1:], strict=True):
            if kind is int:
                if not re.fullmatch(r"-?\d{1,19}", raw):
                    raise ForgedCallback()
                values[name] = int(raw)
            else:
                if not _TEXT.match(raw):
                    raise ForgedCallback()
                values[name] = raw
        return values

    @property
    def pattern(self) -> str:
        """A regex for CallbackQueryHandler(pattern=...) matching this action's buttons."""
        return rf"^{re.escape(self.prefix)}({re.escape(SEPARATOR)}|$)"


class CallbackRegistry:
    """All actions of the bot: prefixes must be unique so no two flows read each other's data."""

    def __init__(self) -> None:
        self._actions: dict[str, CallbackAction] = {}

    def register(self, action: CallbackAction) -> CallbackAction:
        if action.prefix in self._actions:
            raise ValueError(f"callback prefix {action.prefix!r} registered twice")
        self._actions[action.prefix] = action
        return action


def action(prefix: str, **fields: FieldType) -> CallbackAction:
    """Declare a button kind: `GIG_OPEN = action("go", gig=int)`."""
    return CallbackAction(prefix, tuple(fields.items()))
