"""End-to-end harness: the simulator, a fresh database and the real Application per test.

Tests act as people through the simulator's people API (`send`, `tap`, `expect`, `pay`, ...)
and move time with the fake clock; `harness.bot.restart()` restarts the bot on the same data.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.demo.local import LocalBot, local_settings
from bot.payments.gateway import PaymentGateway
from telegram_sim import BotMessage, FloodLimits, Person, SimServer, Tap
from tests.stores import drop_store, new_store


@dataclass
class Harness:
    sim: SimServer
    bot: LocalBot
    clock: FakeClock
    gateway: Any = None  # the payment gateway the test passed in (a fake it can inspect)

    def user(self, username: str, **kwargs: Any) -> Person:
        return self.sim.user(username, **kwargs)

    def existing(self, username: str) -> Person:
        """A person created before the bot started (an operator, say)."""
        user = next(u for u in self.sim.world.users.values() if u.username == username)
        return Person(self.sim.world, user)

    async def forge_tap(self, person: Person, message: BotMessage, data: str) -> Tap:
        """Press a button with hand-crafted callback_data, as a forger's client could."""
        world = self.sim.world
        original = world.get_message(person.private_chat, message.message_id)
        query_id = world.new_query_id()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        world.answers[query_id] = future
        payload = {
            "id": query_id,
            "from": person.user.to_api(),
            "message": copy.deepcopy(original),
            "chat_instance": "forged",
            "data": data,
        }
        update = await world.updates.push("callback_query", payload)
        return Tap(query_id, update or {}, future)


async def start_harness(
    folder: Path,
    database_url: str | None = None,
    *,
    serve_http: bool = False,
    gateway: PaymentGateway | None = None,
    sim_options: dict[str, Any] | None = None,
    bot_overrides: dict[str, Any] | None = None,
    operators: Sequence[str] = (),
    **settings: Any,
) -> tuple[SimServer, LocalBot, FakeClock]:
    """Start a simulator and the bot on a fresh database (of the store under test,
    `tests/stores.py`, unless `database_url` names one).

    `gateway` replaces the one settings would build (a StripeGateway on a stand-in, say);
    `sim_options` go to `SimServer` (e.g. a Stripe API base for real provider charges);
    `bot_overrides` to the composition root (e.g. a fake notifier); `operators` are
    usernames created before the bot starts and listed in ADMIN_IDS; the rest are settings.
    """
    options: dict[str, Any] = {
        "flood_limits": FloodLimits.off(),
        "pre_checkout_timeout": 5.0,
        "long_poll_cap": 0.05,
    }
    options.update(sim_options or {})
    sim = await SimServer(**options).start()
    if operators:
        settings["admin_ids"] = [sim.user(name).id for name in operators]
    clock = FakeClock()
    overrides = dict(bot_overrides or {})
    if gateway is not None:
        overrides["gateway"] = gateway
    bot = LocalBot(
        local_settings(sim, database_url or await new_store(folder), **settings),
        clock,
        serve_http=serve_http,
        **overrides,
    )
    await bot.start()
    return sim, bot, clock


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    sim, bot, clock = await start_harness(tmp_path)
    try:
        yield Harness(sim, bot, clock)
    finally:
        await bot.stop()
        await sim.stop()
        await drop_store(bot.settings.database_url)
