"""A bare python-telegram-bot echo bot as its own process, for the throughput benchmark.

    BOT_TOKEN=... TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT HTTP_PORT=... python -m bench.echo_bot

Polls the simulator with `concurrent_updates` (PTB's fastest setting) and answers GET /readyz
with 200 once polling runs, so `bench.cluster.Replica` can start and stop it exactly like a
`python -m bot run` process: the echo bot and Gig Broker then each get an interpreter of their
own, apart from the simulator and the simulated people.
"""

from __future__ import annotations

import asyncio
import os
import signal
from contextlib import suppress

from aiohttp import web
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the same text."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def serve() -> None:
    base = os.environ["TELEGRAM_API_BASE_URL"].rstrip("/")
    app = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .concurrent_updates(True)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        health = web.Application()
        health.router.add_get("/readyz", lambda _: _ok())
        runner = web.AppRunner(health, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", int(os.environ["HTTP_PORT"])).start()
        try:
            await stopping.wait()
        finally:
            await runner.cleanup()
            await app.updater.stop()
            await app.stop()


async def _ok() -> web.Response:
    return web.Response(text="ok")


if __name__ == "__main__":
    asyncio.run(serve())
