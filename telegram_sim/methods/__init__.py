"""Bot API method implementations, one module per area; `build_registry` collects them."""

from __future__ import annotations

from telegram_sim.methods import bot_info, chats, inline, media, messages, payments
from telegram_sim.methods.common import Handler


def build_registry() -> dict[str, Handler]:
    """Canonical method name -> implementation (built per server, never shared)."""
    registry: dict[str, Handler] = {}
    for module in (bot_info, chats, inline, media, messages, payments):
        registry.update(module.HANDLERS)
    return registry
