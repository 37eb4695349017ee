"""The shape of the generated API table (see `gen_api_table`).

Kept apart from the generated module so the table stays pure data and the validator can import
these types without importing the whole table.
"""

from __future__ import annotations

from typing import NamedTuple


class FieldSpec(NamedTuple):
    """One parameter of a Bot API method: its name, Telegram's type string, required flag."""

    name: str
    type: str
    required: bool


class MethodSpec(NamedTuple):
    """One Bot API method: its canonical name, parameters and return type string."""

    name: str
    fields: tuple[FieldSpec, ...]
    returns: str
