"""`python -m bot demo`: a whole deal played by readable people on the local simulator.

The demo starts the simulator and the real bot (same code as production, SQLite in a temporary
folder), then runs its acts in order. Each act is a short scene written against the people API
(`send`, `tap`, `expect`, `pay`); the transcript shows what each person sees in their chat.
Flows add their act to `ACTS` as they are built, so the demo grows with the product.
"""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.clock import FakeClock, SystemClock
from bot.local import LocalBot, local_settings, sqlite_url
from bot.sim import BotMessage, FloodLimits, Person, SimServer

Print = Callable[[str], None]


@dataclass
class Stage:
    """The people and the running bot, plus a transcript printer for the acts."""

    sim: SimServer
    bot: LocalBot
    clock: FakeClock
    out: Print
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


async def act_welcome(stage: Stage) -> None:
    stage.scene("A freelancer and a buyer open the bot")
    maya = stage.person("maya_designs", "Maya")
    tom = stage.person("tom_buys", "Tom")
    await stage.say(maya, "/start")
    await stage.see(maya, "Hi Maya!")
    await stage.say(tom, "/start")
    await stage.see(tom, "Hi Tom!")


ACTS: Sequence[Act] = (act_welcome,)


async def play_demo(out: Print = print, acts: Sequence[Act] = ACTS) -> int:
    """Play every act; returns the process exit code (0 when the whole deal went through)."""
    with tempfile.TemporaryDirectory(prefix="gigbroker-demo-") as folder:
        sim = await SimServer(flood_limits=FloodLimits.off(), long_poll_cap=0.2).start()
        clock = FakeClock(SystemClock().now())
        bot = LocalBot(local_settings(sim, sqlite_url(Path(folder))), clock)
        await bot.start()
        stage = Stage(sim, bot, clock, out)
        out(f"Gig Broker demo: @{sim.bot_username} on a local Telegram simulator at {sim.url}")
        try:
            for act in acts:
                await act(stage)
        except AssertionError as failure:
            out(f"\nThe demo stopped: {failure}")
            return 1
        finally:
            await bot.stop()
            await sim.stop()
        out("\nThe demo completed every step.")
        return 0
