"""One aiohttp server for everything that reaches the bot over HTTP.

- `POST /telegram/webhook`: updates from Telegram in webhook mode. The request must carry the
  `X-Telegram-Bot-Api-Secret-Token` we registered; anything else gets 401 and has no effect.
  200 means handled to the end (or refused by a rule); 500 means not handled (a failure, or the
  update could not be claimed) and 503 that another replica is on it: Telegram sends both again.
- `POST /stripe/webhook`: Stripe events, verified and applied by the Stripe webhook service.
- `GET /healthz`: the process is up. `GET /readyz`: the database answers and the outbox is
  not falling behind. `GET /metrics`: Prometheus metrics.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update

from bot.clock import Clock
from bot.handlers.context import AnyApplication, deps_of
from bot.ops.metrics import CONTENT_TYPE, Metrics
from bot.storage.repositories.ops import SqlOpsRepository

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram/webhook"
STRIPE_PATH = "/stripe/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_OUTBOX_LAG = timedelta(minutes=2)

# (raw body, Stripe-Signature header) -> HTTP status; verification happens inside.
StripeWebhookHandler = Callable[[bytes, str | None], Awaitable[int]]


class WebServer:
    def __init__(
        self,
        application: AnyApplication,
        engine: AsyncEngine,
        metrics: Metrics,
        clock: Clock,
        *,
        telegram_secret: str | None = None,
        stripe_webhook: StripeWebhookHandler | None = None,
        max_outbox_lag: timedelta = MAX_OUTBOX_LAG,
    ) -> None:
        self._application = application
        self._engine = engine
        self._metrics = metrics
        self._clock = clock
        self._telegram_secret = telegram_secret
        self._stripe_webhook = stripe_webhook
        self._max_outbox_lag = max_outbox_lag
        self._runner: web.AppRunner | None = None
        self.url = ""

    def routes(self) -> web.Application:
        app = web.Application(client_max_size=2 * 1024 * 1024)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics_page)
        app.router.add_post(TELEGRAM_PATH, self._telegram)
        app.router.add_post(STRIPE_PATH, self._stripe)
        return app

    async def start(self, host: str, port: int) -> str:
        self._runner = web.AppRunner(self.routes(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_port = int(self._runner.addresses[0][1])
        self.url = f"http://{host}:{bound_port}"
        return self.url

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, _: web.Request) -> web.Response:
        problems: list[str] = []
        try:
            async with self._engine.connect() as connection:
                ops = SqlOpsRepository(connection)
                await ops.ping()
                now = self._clock.now()
                oldest = await ops.oldest_pending_outbox(now)
        except Exception as error:  # any failure to reach the database means "not ready"
            log.warning("readiness: database unreachable: %s", type(error).__name__)
            return web.json_response(
                {"status": "unavailable", "problems": ["database unreachable"]}, status=503
            )
        if oldest is not None and now - oldest > self._max_outbox_lag:
            lag = int((now - oldest).total_seconds())
            problems.append(f"outbox lag {lag}s over {int(self._max_outbox_lag.total_seconds())}s")
        status = 503 if problems else 200
        body: dict[str, Any] = {"status": "ok" if not problems else "degraded"}
        if problems:
            body["problems"] = problems
        return web.json_response(body, status=status)

    async def _metrics_page(self, _: web.Request) -> web.Response:
        try:
            async with self._engine.connect() as connection:
                await self._metrics.refresh(SqlOpsRepository(connection), self._clock.now())
        except Exception:  # metrics must still render what is in memory
            log.warning("metrics: database figures unavailable", exc_info=True)
        return web.Response(body=self._metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    async def _telegram(self, request: web.Request) -> web.Response:
        expected = self._telegram_secret
        given = request.headers.get(SECRET_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, self._application.bot)
        except (ValueError, TypeError, KeyError):
            return web.json_response({"error": "not an update"}, status=400)
        # Handled before answering: if this replica dies half-way Telegram sees no 200 and
        # delivers the update again, so it is never lost. The same when the handling failed
        # (or the update could not even be claimed): 500 makes Telegram deliver it again.
        await self._application.process_update(update)
        dependencies = deps_of(self._application)
        if update.update_id in dependencies.failed_updates:
            dependencies.failed_updates.discard(update.update_id)
            dependencies.busy_updates.discard(update.update_id)
            return web.json_response({"error": "not handled, send it again"}, status=500)
        busy = dependencies.busy_updates
        if update.update_id in busy:
            busy.discard(update.update_id)
            return web.json_response({"error": "being handled elsewhere"}, status=503)
        return web.json_response({"ok": True})

    async def _stripe(self, request: web.Request) -> web.Response:
        if self._stripe_webhook is None:
            return web.json_response({"error": "Stripe webhooks are not configured"}, status=404)
        status = await self._stripe_webhook(
            await request.read(), request.headers.get("Stripe-Signature")
        )
        return web.json_response({"received": status == 200}, status=status)
