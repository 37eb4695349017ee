"""The bot wired to the local Telegram simulator: used by `demo` and the end-to-end tests.

`LocalBot` builds the real `Application` through the composition root, points it at a
`SimServer` and runs it in polling mode inside the current event loop, so a test or the demo
can play people against it and restart it (same database) to prove nothing is lost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.clock import Clock
from bot.config import Settings
from bot.handlers.context import AnyApplication, Deps, deps_of
from bot.sim.server import SimServer

POLL_TIMEOUT_SECONDS = 1


def local_settings(sim: SimServer, database_url: str, **overrides: Any) -> Settings:
    """Settings that point the bot at the simulator (no real Telegram, no .env)."""
    values: dict[str, Any] = {
        "bot_token": sim.bot_token,
        "telegram_api_base_url": sim.url,
        "database_url": database_url,
        "bot_username": sim.bot_username,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def sqlite_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'gigbroker.sqlite3'}"


class LocalBot:
    """One running bot process, in-process, against a simulator."""

    def __init__(self, settings: Settings, clock: Clock, **overrides: Any) -> None:
        self.settings = settings
        self.clock = clock
        self._overrides = overrides
        self.app: AnyApplication | None = None

    @property
    def deps(self) -> Deps:
        if self.app is None:
            raise RuntimeError("the bot is not running")
        return deps_of(self.app)

    async def start(self) -> None:
        app = build_application(self.settings, clock=self.clock, **self._overrides)
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0, timeout=POLL_TIMEOUT_SECONDS, allowed_updates=None
        )
        self.app = app

    async def stop(self) -> None:
        app, self.app = self.app, None
        if app is None:
            return
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        await app.shutdown()

    async def restart(self) -> None:
        """Stop and start again on the same database: what a crash and a restart look like."""
        await self.stop()
        await self.start()

    async def drain_outbox(self) -> int:
        sender = self.deps.outbox
        return await sender.drain() if sender is not None else 0
