"""The stage every demo act plays on: the people, the running bot and the transcript printer.

In a module of its own so the acts (play, orders, reconcile) import it without importing each
other: the act list in `play` imports the acts, never the other way round.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.clock import FakeClock
from bot.demo.local import LocalBot
from telegram_sim import BotMessage, Person, SimServer
from telegram_sim.stripe_connect import StripeConnectStandIn

Print = Callable[[str], None]


@dataclass
class Stage:
    """The people and the running bot, plus a transcript printer for the acts."""

    sim: SimServer
    bot: LocalBot
    clock: FakeClock
    out: Print
    stripe: StripeConnectStandIn | None = None
    cast: dict[str, Person] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    def person(self, username: str, first_name: str) -> Person:
        if username not in self.cast:
            self.cast[username] = self.sim.user(username, first_name=first_name)
        return self.cast[username]

    def scene(self, title: str) -> None:
        self.out(f"\n── {title} " + "─" * max(0, 60 - len(title)))

    async def say(self, who: Person, text: str) -> None:
        self.out(f"  {who.user.first_name} ▸ {text}")
        await who.send(text)

    async def tap(self, who: Person, label: str) -> None:
        self.out(f"  {who.user.first_name} taps [{label}]")
        await who.tap(label)

    async def see(self, who: Person, fragment: str) -> BotMessage:
        message = await who.expect(fragment, timeout=10)
        text = message.text.replace("\n", "\n      ")
        buttons = f"\n      buttons: {' | '.join(message.button_texts)}" if message.buttons else ""
        self.out(f"    🤖 → {who.user.first_name}: {text}{buttons}")
        return message


Act = Callable[[Stage], Awaitable[None]]
