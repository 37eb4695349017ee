"""A local Telegram Bot API server ("the simulator") and the people API that drives it.

Used by the end-to-end tests, by `python -m bot demo` and for trying the bot offline.
Names are imported lazily so `python -m bot.sim.gen_api_table > bot/sim/api_table.py` works
while the table is being rewritten (importing the server would import the half-written table).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.sim.flood import FloodLimits
    from bot.sim.payment_sheet import PaymentResult
    from bot.sim.people import BotMessage, Channel, ChatHandle, Group, InlineAnswer, Person, Tap
    from bot.sim.server import SimServer
    from bot.sim.world import ApiCall

_EXPORTS = {
    "ApiCall": "bot.sim.world",
    "BotMessage": "bot.sim.people",
    "Channel": "bot.sim.people",
    "ChatHandle": "bot.sim.people",
    "FloodLimits": "bot.sim.flood",
    "Group": "bot.sim.people",
    "InlineAnswer": "bot.sim.people",
    "PaymentResult": "bot.sim.payment_sheet",
    "Person": "bot.sim.people",
    "SimServer": "bot.sim.server",
    "Tap": "bot.sim.people",
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
        raise AttributeError(f"module 'bot.sim' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
