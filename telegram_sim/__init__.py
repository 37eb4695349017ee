"""A local Telegram Bot API server ("the simulator") and the people API that drives it.

Used by the end-to-end tests, by `python -m bot demo` and for trying the bot offline.
Names are imported lazily so `python -m telegram_sim.gen_api_table SPEC > telegram_sim/api_table.py`
works while the table is being rewritten (importing the server would import the half-written table).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from telegram_sim.flood import FloodLimits
    from telegram_sim.payment_sheet import PaymentResult
    from telegram_sim.people import (
        BotMessage,
        Channel,
        ChatHandle,
        Group,
        InlineAnswer,
        Person,
        Tap,
    )
    from telegram_sim.server import SimServer
    from telegram_sim.world import ApiCall

_EXPORTS = {
    "ApiCall": "telegram_sim.world",
    "BotMessage": "telegram_sim.people",
    "Channel": "telegram_sim.people",
    "ChatHandle": "telegram_sim.people",
    "FloodLimits": "telegram_sim.flood",
    "Group": "telegram_sim.people",
    "InlineAnswer": "telegram_sim.people",
    "PaymentResult": "telegram_sim.payment_sheet",
    "Person": "telegram_sim.people",
    "SimServer": "telegram_sim.server",
    "Tap": "telegram_sim.people",
}

__all__ = [
    "ApiCall",
    "BotMessage",
    "Channel",
    "ChatHandle",
    "FloodLimits",
    "Group",
    "InlineAnswer",
    "PaymentResult",
    "Person",
    "SimServer",
    "Tap",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'telegram_sim' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
