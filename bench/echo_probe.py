"""Throughput and latency of a bare PTB echo bot against the simulator (prints figures).

    python -m bench.echo_probe --users 20 --messages 25

N simulated users send M messages each, concurrently; the bot polls the simulator with flood
limits off. Reported: updates handled per second and p50/p99 latency from a person's send to
the bot's reply appearing. Not a test: nothing passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from telegram_sim import FloodLimits, Person, SimServer


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the same text."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def one_user(person: Person, messages: int, latencies: list[float]) -> None:
    """Send, wait for the echo, repeat."""
    for i in range(messages):
        text = f"{person.user.username} #{i}"
        started = time.perf_counter()
        await person.send(text)
        await person.expect(text, timeout=30)
        latencies.append(time.perf_counter() - started)


async def run(users: int, messages: int, concurrent_updates: bool) -> None:
    """Start sim and bot, drive the load, print the figures."""
    async with SimServer(flood_limits=FloodLimits.off(), long_poll_cap=1.0) as sim:
        app = (
            ApplicationBuilder()
            .token(sim.bot_token)
            .base_url(sim.base_url)
            .base_file_url(sim.base_file_url)
            .concurrent_updates(concurrent_updates)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            people = [sim.user(f"user{i}") for i in range(users)]
            latencies: list[float] = []
            started = time.perf_counter()
            await asyncio.gather(*(one_user(p, messages, latencies) for p in people))
            elapsed = time.perf_counter() - started
            await app.updater.stop()
            await app.stop()
    total = users * messages
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"users={users} messages/user={messages} concurrent_updates={concurrent_updates}")
    print(f"updates handled: {total} in {elapsed:.2f}s = {total / elapsed:.0f} updates/s")
    print(f"latency send->reply: p50={quantiles[49] * 1000:.1f} ms  "
          f"p99={quantiles[98] * 1000:.1f} ms  max={max(latencies) * 1000:.1f} ms")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--messages", type=int, default=25)
    parser.add_argument("--concurrent-updates", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.users, args.messages, args.concurrent_updates))


if __name__ == "__main__":
    main()
