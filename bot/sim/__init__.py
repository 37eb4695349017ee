"""A local Telegram Bot API server ("the simulator") and the people API that drives it.

Used by the end-to-end tests, by `python -m bot demo` and for trying the bot offline.
"""

from __future__ import annotations

from bot.sim.flood import FloodLimits
from bot.sim.payment_sheet import PaymentResult
from bot.sim.people import BotMessage, Channel, ChatHandle, Group, InlineAnswer, Person, Tap
from bot.sim.server import SimServer
from bot.sim.world import ApiCall

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
