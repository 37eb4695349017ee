"""`python -m bot demo`: a whole deal played by readable people on the local simulator.

The demo starts the simulator, the real bot (same code as production, SQLite in a temporary
folder) and, when it is installed, localstripe behind the Connect stand-in, so card payments,
refunds and payouts act on real Stripe objects; then it runs its acts in order. Each act is a
short scene written against the people API (`send`, `tap`, `expect`, `pay`); the transcript
shows what each person sees in their chat.
Flows add their act to `ACTS` as they are built, so the demo grows with the product.
"""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.clock import FakeClock, SystemClock
from bot.local import LocalBot, local_settings, sqlite_url
from bot.sim import BotMessage, FloodLimits, Person, SimServer
from bot.sim.localstripe import LocalStripe, find_localstripe
from bot.sim.stripe_connect import StripeConnectStandIn

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


async def act_welcome(stage: Stage) -> None:
    stage.scene("A freelancer and a buyer open the bot")
    maya = stage.person("maya_designs", "Maya")
    tom = stage.person("tom_buys", "Tom")
    await stage.say(maya, "/start")
    await stage.see(maya, "Hi Maya!")
    await stage.say(tom, "/start")
    await stage.see(tom, "Hi Tom!")


ACTS: Sequence[Act] = (act_welcome,)


DEMO_STRIPE_KEY = "sk_test_gigbroker_demo"
DEMO_PROVIDER_TOKEN = "demo:stripe:provider-token"


async def _start_stripe(stack: AsyncExitStack, out: Print) -> StripeConnectStandIn | None:
    """localstripe behind the Connect stand-in, when localstripe is installed."""
    executable = find_localstripe()
    if executable is None:
        out("(localstripe is not installed: card payments run without a Stripe emulator)")
        return None
    localstripe = stack.enter_context(LocalStripe(executable, DEMO_STRIPE_KEY))
    stand_in = StripeConnectStandIn(upstream=localstripe.url, secret_key=DEMO_STRIPE_KEY)
    await stand_in.start()
    stack.push_async_callback(stand_in.stop)
    return stand_in


async def play_demo(out: Print = print, acts: Sequence[Act] = ACTS) -> int:
    """Play every act; returns the process exit code (0 when the whole deal went through)."""
    async with AsyncExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gigbroker-demo-")))
        stripe = await _start_stripe(stack, out)
        stripe_options: dict[str, Any] = {}
        bot_options: dict[str, Any] = {}
        if stripe is not None:
            stripe_options = {"stripe_api_base": stripe.url, "stripe_secret_key": DEMO_STRIPE_KEY}
            bot_options = {
                "stripe_secret_key": DEMO_STRIPE_KEY,
                "stripe_api_base": stripe.url,
                "telegram_provider_token": DEMO_PROVIDER_TOKEN,
            }
        sim = SimServer(flood_limits=FloodLimits.off(), long_poll_cap=0.2, **stripe_options)
        await sim.start()
        stack.push_async_callback(sim.stop)
        clock = FakeClock(SystemClock().now())
        bot = LocalBot(local_settings(sim, sqlite_url(folder), **bot_options), clock)
        await bot.start()
        stack.push_async_callback(bot.stop)
        stage = Stage(sim, bot, clock, out, stripe=stripe)
        out(f"Gig Broker demo: @{sim.bot_username} on a local Telegram simulator at {sim.url}")
        try:
            for act in acts:
                await act(stage)
        except AssertionError as failure:
            out(f"\nThe demo stopped: {failure}")
            return 1
    out("\nThe demo completed every step.")
    return 0
