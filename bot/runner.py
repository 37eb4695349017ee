"""Running the bot as a process: polling or webhook mode, plus the HTTP server.

`BotProcess` is the one lifecycle used by `python -m bot run` and by `LocalBot` (tests and the
demo), so what the tests start is what production starts. In webhook mode Telegram posts
updates to our HTTP server with the secret token header; in polling mode our own durable
poller (`bot.telegram.polling`, not PTB's Updater) stores each update before confirming it,
and the same HTTP server still serves the Stripe webhook, health and metrics.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress
from typing import Any

from telegram import Update

from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.handlers.context import AnyApplication, deps_of
from bot.ops.logging import configure_logging
from bot.storage.db import safe_url, url_password
from bot.telegram.polling import Backoff, DurablePoller, StoredHook
from bot.web.server import TELEGRAM_PATH, WebServer

log = logging.getLogger(__name__)

# Only what the bot handles; Telegram sends nothing else.
HANDLED_UPDATES = [
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
    Update.CHOSEN_INLINE_RESULT,
    Update.PRE_CHECKOUT_QUERY,
    Update.MY_CHAT_MEMBER,
    Update.CHANNEL_POST,
]
POLL_TIMEOUT_SECONDS = 10


class BotProcess:
    """Build, start and stop one bot: the Application, its updates source and the HTTP server."""

    def __init__(
        self,
        settings: Settings,
        *,
        serve_http: bool = True,
        webhook_on_own_server: bool = False,
        poll_timeout: int = POLL_TIMEOUT_SECONDS,
        poll_backoff: Backoff | None = None,
        after_store: StoredHook | None = None,
        **overrides: Any,
    ) -> None:
        self.settings = settings
        self._serve_http = serve_http or settings.update_mode == "webhook"
        self._webhook_on_own_server = webhook_on_own_server
        self._poll_timeout = poll_timeout
        self._poll_backoff = poll_backoff
        self._after_store = after_store
        self._overrides = overrides
        self.app: AnyApplication | None = None
        self.web: WebServer | None = None
        self.poller: DurablePoller | None = None

    async def start(self) -> None:
        settings = self.settings
        app = bootstrap(settings, **self._overrides)
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        self.app = app
        deps = deps_of(app)
        if self._serve_http:
            secret = settings.webhook_secret_token
            self.web = WebServer(
                app,
                app.bot_data["gigbroker.engine"],
                deps.metrics,
                deps.clock,
                telegram_secret=secret.get_secret_value() if secret else None,
                stripe_webhook=deps.stripe_webhook,
            )
            await self.web.start(settings.http_host, settings.http_port)
            log.info("HTTP server on %s", self.web.url)
        if settings.update_mode == "webhook":
            assert self.web is not None
            url = settings.webhook_url
            if self._webhook_on_own_server or not url:
                url = self.web.url + TELEGRAM_PATH
            secret = settings.webhook_secret_token
            await app.bot.set_webhook(
                url,
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=HANDLED_UPDATES,
            )
        else:
            await app.bot.delete_webhook()
            self.poller = DurablePoller(
                app,
                deps.uow,
                deps.clock,
                timeout=self._poll_timeout,
                allowed_updates=HANDLED_UPDATES,
                backoff=self._poll_backoff,
                after_store=self._after_store,
            )
            deps.on_update_failed = self.poller.retry
            await self.poller.start()

    async def kill(self) -> None:
        """As abrupt as it gets inside one event loop (tests, the chaos suite): polling stops
        without confirming anything, every task of the Application (update handling, batched
        finishes, outbox drains) is cancelled where it stands, so open transactions roll back
        and queued updates are dropped; what is stored stays for the next process."""
        poller, self.poller = self.poller, None
        if poller is not None:
            await poller.stop(confirm=False)
        app = self.app
        if app is not None:
            prefix = f"Application:{app.bot.id}:"
            doomed = [
                task
                for task in asyncio.all_tasks()
                if task is not asyncio.current_task() and task.get_name().startswith(prefix)
            ]
            for task in doomed:
                task.cancel()
            await asyncio.gather(*doomed, return_exceptions=True)
        await self.stop()

    async def stop(self) -> None:
        app, self.app = self.app, None
        web, self.web = self.web, None
        poller, self.poller = self.poller, None
        if poller is not None:
            await poller.stop()
        if app is None:
            return
        if web is not None:
            await web.stop()
        if app.running:
            await app.stop()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        await app.shutdown()


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
    process = BotProcess(settings)
    await process.start()
    log.info(
        "Gig Broker running in %s mode on %s", settings.update_mode, safe_url(settings.database_url)
    )
    try:
        await stopping.wait()
    finally:
        await process.stop()


def log_secrets(settings: Settings) -> list[str]:
    """Every secret the settings hold, redacted from each log record wherever it appears
    (a library may log a connection string or a request with a key in it)."""
    secrets = [
        secret.get_secret_value()
        for secret in (
            settings.bot_token,
            settings.stripe_secret_key,
            settings.stripe_webhook_secret,
            settings.telegram_provider_token,
            settings.webhook_secret_token,
        )
        if secret is not None
    ]
    password = url_password(settings.database_url)
    # A very short password would blank out ordinary words; the URL pattern of `redact` still
    # hides it inside any connection string.
    return [*secrets, password] if password and len(password) >= 4 else secrets


def run_bot(settings: Settings) -> None:
    """`python -m bot run`: configure logging (secrets redacted) and serve until stopped."""
    configure_logging(settings.log_level, settings.log_format, log_secrets(settings))
    asyncio.run(serve(settings))
