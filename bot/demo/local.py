"""The bot wired to the local Telegram simulator: used by `demo` and the end-to-end tests.

`LocalBot` runs the production lifecycle (`BotProcess`) against a `SimServer` inside the
current event loop, so a test or the demo can play people against it and restart it (same
database) to prove nothing is lost. Webhook mode puts the bot's HTTP server on a free local
port and registers it with the simulator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.config import Settings
from bot.handlers.context import AnyApplication, Deps, deps_of
from bot.runner import BotProcess
from bot.telegram.polling import Backoff
from telegram_sim.server import SimServer

POLL_TIMEOUT_SECONDS = 1
# Retries of a failed update or inbox write: quick, the simulator answers at once.
POLL_BACKOFF = Backoff(0.05, 1.0)


def local_settings(sim: SimServer, database_url: str, **overrides: Any) -> Settings:
    """Settings that point the bot at the simulator (no real Telegram, no .env)."""
    values: dict[str, Any] = {
        "bot_token": sim.bot_token,
        "telegram_api_base_url": sim.url,
        "database_url": database_url,
        "bot_username": sim.bot_username,
        "http_host": "127.0.0.1",
        "http_port": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def sqlite_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'gigbroker.sqlite3'}"


class LocalBot:
    """One running bot process, in-process, against a simulator."""

    def __init__(
        self, settings: Settings, clock: Clock, *, serve_http: bool = False, **overrides: Any
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._serve_http = serve_http
        self._overrides = overrides
        self.process: BotProcess | None = None

    @property
    def app(self) -> AnyApplication:
        if self.process is None or self.process.app is None:
            raise RuntimeError("the bot is not running")
        return self.process.app

    @property
    def deps(self) -> Deps:
        return deps_of(self.app)

    @property
    def http_url(self) -> str:
        """The bot's own HTTP server (health, metrics, webhooks) when it serves one."""
        if self.process is None or self.process.web is None:
            raise RuntimeError("the bot serves no HTTP")
        return self.process.web.url

    async def start(self) -> None:
        process = BotProcess(
            self.settings,
            serve_http=self._serve_http,
            webhook_on_own_server=True,
            poll_timeout=POLL_TIMEOUT_SECONDS,
            clock=self.clock,
            **{"poll_backoff": POLL_BACKOFF, **self._overrides},
        )
        await process.start()
        self.process = process

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            await process.stop()

    async def kill(self) -> None:
        """Stop as a killed process would (see `BotProcess.kill`)."""
        process, self.process = self.process, None
        if process is not None:
            await process.kill()

    async def restart(self) -> None:
        """Stop and start again on the same database: what a crash and a restart look like."""
        await self.stop()
        await self.start()

    async def drain_outbox(self) -> int:
        sender = self.deps.outbox
        return await sender.drain() if sender is not None else 0
