"""Whole deals by many simulated people at once, against four bots (prints figures).

    python -m bench.throughput --users 200 [--think 1.0] [--replica-think 0]
                               [--replica-cpus 0.4] [--no-delivery]

In one run, on the local simulator (flood limits off):
  (a) a bare python-telegram-bot echo bot, polling (`python -m bench.echo_bot` subprocess):
      the framework's ceiling;
  (b) Gig Broker on SQLite, polling (`python -m bot run` subprocess);
  (c) Gig Broker on PostgreSQL, webhook, one replica (`python -m bot run` subprocess);
  (d) the same with two replicas behind a round-robin balancer, each on its own free port.
Every bot runs in a process of its own, so it does not share an interpreter (and its GIL) with
the simulator and the simulated people, which are busy too; `--in-process` runs (a) and (b) in
this process instead (the earlier layout, with `LocalBot` for (b)). Each PostgreSQL case gets
a fresh schema (`?search_path=`), dropped afterwards. For (a) every
person sends texts and waits for each echo; for (b)-(d) half the people are sellers who create
and publish a gig by taps, the other half buyers who order and pay, then the seller delivers
and the buyer approves. Reported per case: updates handled per second (all updates the
simulator queued for the bot / wall time) and p50/p99 from a person's action to the bot's
reply in that person's chat; for the replicas also updates handled twice (per-replica handled
counters against the updates sent, and the claims table) and messages sent twice (identical
messages in one chat; a deal never says the same thing twice to one person).

(a) and (b) answer "how fast does the bot answer 200 people who think about a second between
actions" (the latency target). (c) and (d) answer "do two replicas handle 1.6 x what one
does", a question of capacity: by default the people act flat out (`--replica-think 0`), so
the replicas, not the people, set the pace, and each replica is capped at `--replica-cpus`
cores through a cgroup (`bench.cpu_limit`), as if it had a small machine of its own. Without
the cap, on a two-core machine the replicas, PostgreSQL, the simulator and the people share
the same two cores and one replica already takes what the machine has left
(`--replica-cpus 0` shows that case).
Not a test: nothing passes or fails; the targets are printed beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import func, select, text
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench.cluster import Replica, RoundRobin
from bench.cpu_limit import CpuQuota
from bench.deal_people import Crowd, Load, run_deals, run_echo
from bot.clock import SystemClock
from bot.demo.local import LocalBot, local_settings, sqlite_url
from bot.storage.db import create_engine
from bot.storage.tables import processed_updates
from bot.web.server import TELEGRAM_PATH
from telegram_sim import FloodLimits, SimServer

ROOT = Path(__file__).resolve().parents[1]
PROVIDER_TOKEN = "284685063:TEST:bench"
SECRET = "bench-secret-token"


@dataclass
class Figures:
    name: str
    updates: int
    seconds: float
    latencies: list[float]
    failures: list[str]
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def quantile(self, q: int) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100)[q - 1] * 1000


async def measure(
    name: str, sim: SimServer, load: Load, drive: Callable[[Crowd], Awaitable[None]]
) -> Figures:
    """Run `drive` with a fresh crowd; count the updates it made the simulator queue."""
    crowd = Crowd(sim, load)
    before = len(sim.updates_sent)
    started = time.perf_counter()
    await drive(crowd)
    seconds = time.perf_counter() - started
    sim.world.output_listeners.remove(crowd._route)
    return Figures(name, len(sim.updates_sent) - before, seconds, load.latencies, load.failures)


def sent_twice(sim: SimServer) -> int:
    """Messages the bot sent more than once: identical new messages in one private chat."""
    seen = Counter(
        (o.chat_id, o.message.get("text") or o.message.get("caption") or "",
         json.dumps(o.message.get("reply_markup"), sort_keys=True), "invoice" in o.message)
        for o in sim.outputs
        if o.kind == "new"
    )
    return sum(n - 1 for n in seen.values() if n > 1)


# ----- (a) the echo bot -------------------------------------------------------------------
async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the same text."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def bot_environment(sim: SimServer, args: argparse.Namespace, **values: str) -> dict[str, str]:
    """The environment of a bot subprocess pointed at `sim`."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TEST_"))},
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": sim.bot_token,
        "BOT_USERNAME": sim.bot_username,
        "TELEGRAM_API_BASE_URL": sim.url,
        "HTTP_HOST": "127.0.0.1",
        "TELEGRAM_PROVIDER_TOKEN": PROVIDER_TOKEN,
        # The card rail refuses to start without a key; the load makes no refund or payout.
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "CONCURRENT_UPDATES": str(args.concurrent_updates),
        "SEND_RATE_PER_SECOND": str(args.send_rate),
        "LOG_LEVEL": "WARNING",
        **values,
    }


async def measure_process(
    bot: Replica,
    name: str,
    sim: SimServer,
    load: Load,
    drive: Callable[[Crowd], Awaitable[None]],
) -> Figures:
    """`measure` against a bot in its own process, adding its CPU milliseconds per update."""
    await bot.start()
    try:
        cpu = bot.cpu_seconds()
        figures = await measure(name, sim, load, drive)
        cpu = bot.cpu_seconds() - cpu
        figures.notes["cpu"] = f"{cpu * 1000 / figures.updates:.1f}"
        return figures
    finally:
        await bot.stop()


async def echo_case(args: argparse.Namespace) -> Figures:
    if args.in_process:
        return await echo_in_process(args)
    with tempfile.TemporaryDirectory(prefix="bench-echo-") as folder:
        async with SimServer(flood_limits=FloodLimits.off(), long_poll_cap=1.0) as sim:
            bot = Replica(
                "echo", bot_environment(sim, args), Path(folder), ("-m", "bench.echo_bot")
            )
            figures = await measure_process(
                bot,
                "(a) PTB echo bot, polling, subprocess",
                sim,
                Load(args.think),
                lambda crowd: run_echo(crowd, args.users, args.echo_messages, "e"),
            )
    figures.notes["twice"] = str(sent_twice(sim))
    return figures


async def echo_in_process(args: argparse.Namespace) -> Figures:
    async with SimServer(flood_limits=FloodLimits.off(), long_poll_cap=1.0) as sim:
        app = (
            ApplicationBuilder()
            .token(sim.bot_token)
            .base_url(sim.base_url)
            .base_file_url(sim.base_file_url)
            .concurrent_updates(True)  # PTB's fastest setting: the ceiling
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            figures = await measure(
                "(a) PTB echo bot, polling, in-process", sim, Load(args.think),
                lambda crowd: run_echo(crowd, args.users, args.echo_messages, "e"),
            )
            await app.updater.stop()
            await app.stop()
    figures.notes["twice"] = str(sent_twice(sim))
    return figures


# ----- (b) Gig Broker on SQLite, polling, in-process ----------------------------------------
async def sqlite_case(args: argparse.Namespace) -> Figures:
    if args.in_process:
        return await sqlite_in_process(args)
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as folder:
        async with SimServer(flood_limits=FloodLimits.off(), long_poll_cap=1.0) as sim:
            environment = bot_environment(
                sim, args, DATABASE_URL=sqlite_url(Path(folder)), UPDATE_MODE="polling"
            )
            figures = await measure_process(
                Replica("sqlite", environment, Path(folder)),
                "(b) Gig Broker, SQLite, polling, subprocess",
                sim,
                Load(args.think),
                lambda crowd: run_deals(crowd, args.users, args.delivery, "q"),
            )
    figures.notes["twice"] = str(sent_twice(sim))
    return figures


async def sqlite_in_process(args: argparse.Namespace) -> Figures:
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as folder:
        async with SimServer(flood_limits=FloodLimits.off(), long_poll_cap=1.0) as sim:
            settings = local_settings(
                sim,
                sqlite_url(Path(folder)),
                telegram_provider_token=PROVIDER_TOKEN,
                concurrent_updates=args.concurrent_updates,
                send_rate_per_second=args.send_rate,
            )
            bot = LocalBot(settings, SystemClock())
            await bot.start()
            try:
                figures = await measure(
                    "(b) Gig Broker, SQLite, polling, in-process", sim, Load(args.think),
                    lambda crowd: run_deals(crowd, args.users, args.delivery, "q"),
                )
            finally:
                await bot.stop()
    figures.notes["twice"] = str(sent_twice(sim))
    return figures


# ----- (c), (d) Gig Broker on PostgreSQL, webhook, replicas -------------------------------
async def fresh_schema(dsn: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(dsn)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    return schema, f"{dsn}{'&' if '?' in dsn else '?'}search_path={schema}"


async def drop_schema(dsn: str, schema: str) -> None:
    admin = create_engine(dsn)
    async with admin.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


async def handled_counts(replicas: list[Replica]) -> int:
    """Updates the replicas handled (started minus skipped as duplicates), from /metrics."""
    total = 0.0
    async with aiohttp.ClientSession() as session:
        for replica in replicas:
            async with session.get(replica.url + "/metrics") as response:
                page = await response.text()
            for line in page.splitlines():
                if line.startswith("gigbroker_updates_total{"):
                    total += float(line.rsplit(" ", 1)[1])
                elif line.startswith("gigbroker_duplicate_updates_total "):
                    total -= float(line.rsplit(" ", 1)[1])
    return int(total)


async def replicas_case(args: argparse.Namespace, count: int) -> Figures:
    schema, url = await fresh_schema(args.postgres)
    folder = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    sim = await SimServer(flood_limits=FloodLimits.off(), long_poll_cap=1.0).start()
    environment = bot_environment(
        sim, args, DATABASE_URL=url, UPDATE_MODE="webhook", WEBHOOK_SECRET_TOKEN=SECRET
    )
    cpus = args.replica_cpus or None
    replicas = [
        Replica(f"replica-{i}", environment, folder, cpus=cpus) for i in range(count)
    ]
    balancer = RoundRobin([replica.url for replica in replicas])
    webhook = await balancer.start() + TELEGRAM_PATH
    for replica in replicas:
        replica._environment["WEBHOOK_URL"] = webhook
    name = f"({'c' if count == 1 else 'd'}) Gig Broker, PostgreSQL, webhook, {count} replica"
    try:
        for replica in replicas:  # one after the other: the first applies the migrations
            await replica.start()
        cpu = sum(replica.cpu_seconds() for replica in replicas)
        figures = await measure(
            name + ("s" if count > 1 else ""), sim, Load(args.replica_think),
            lambda crowd: run_deals(crowd, args.users, args.delivery, "w"),
        )
        cpu = sum(replica.cpu_seconds() for replica in replicas) - cpu
        figures.notes["cpu"] = f"{cpu * 1000 / figures.updates:.1f}"
        await asyncio.sleep(1.0)  # let the last outbox drains finish
        sent_ids = {u["update_id"] for u in sim.updates_sent}
        engine = create_engine(url)
        async with engine.connect() as connection:
            claims = (
                await connection.execute(select(func.count()).select_from(processed_updates))
            ).scalar_one()
        await engine.dispose()
        handled = await handled_counts(replicas)
        figures.notes["twice"] = str(sent_twice(sim))
        figures.notes["handled_twice"] = str(max(0, handled - len(sent_ids)))
        figures.notes["claims"] = f"{claims} claims / {len(sent_ids)} updates sent"
        figures.notes["hits"] = ", ".join(str(n) for n in balancer.hits.values())
        figures.notes["parallel"] = str(
            sim.world.webhook_sender.max_in_flight if sim.world.webhook_sender else 0
        )
    finally:
        for replica in replicas:
            await replica.stop()
        await balancer.stop()
        await sim.stop()
        await drop_schema(args.postgres, schema)
    return figures


def report(rows: list[Figures], args: argparse.Namespace) -> None:
    print(f"\nusers={args.users} think={args.think}s (a, b) {args.replica_think}s (c, d) "
          f"concurrent_updates={args.concurrent_updates} "
          f"send_rate={args.send_rate or 'uncapped'} delivery={args.delivery} "
          f"cores={os.cpu_count()} replica_cpus={args.replica_cpus or 'uncapped'}")
    print(f"{'case':50} {'updates':>7} {'secs':>6} {'upd/s':>6} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'fail':>4} {'dup msgs':>8}")
    for f in rows:
        print(f"{f.name:50} {f.updates:7d} {f.seconds:6.1f} {f.rate:6.0f} {f.quantile(50):7.1f} "
              f"{f.quantile(99):7.1f} {len(f.failures):4d} {f.notes.get('twice', '-'):>8}")
    for f in rows:
        if "cpu" in f.notes:
            print(f"  {f.name[:3]} bot process(es) CPU per update: {f.notes['cpu']} ms")
        for key in ("claims", "handled_twice", "hits", "parallel"):
            if key in f.notes:
                print(f"  {f.name[:3]} {key}: {f.notes[key]}")
        for failure in f.failures[:3]:
            print(f"  {f.name[:3]} failure: {failure}")
    by = {f.name[:3]: f for f in rows}
    if "(a)" in by and "(b)" in by:
        b = by["(b)"]
        print(f"target SQLite >= 0.5 x echo upd/s: {b.rate / by['(a)'].rate:.2f} x; "
              f"p99 < 100 ms: {b.quantile(99):.1f} ms")
    if "(c)" in by and "(d)" in by:
        print(f"target two replicas >= 1.6 x one: {by['(d)'].rate / by['(c)'].rate:.2f} x; "
              f"updates handled twice: {by['(d)'].notes['handled_twice']}; "
              f"messages sent twice: {by['(d)'].notes['twice']}")


async def run(args: argparse.Namespace) -> None:
    cases: dict[str, Callable[[], Awaitable[Figures]]] = {
        "a": lambda: echo_case(args),
        "b": lambda: sqlite_case(args),
        "c": lambda: replicas_case(args, 1),
        "d": lambda: replicas_case(args, 2),
    }
    rows = []
    for key in args.cases:
        print(f"running ({key}) ...", file=sys.stderr, flush=True)
        rows.append(await cases[key]())
    report(rows, args)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=200, help="people at once (even)")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds a person waits before each action (0 = flat out)")
    parser.add_argument("--echo-messages", type=int, default=16,
                        help="messages per person for the echo bot (a deal is ~16 each)")
    parser.add_argument("--concurrent-updates", type=int, default=1,
                        help="CONCURRENT_UPDATES for Gig Broker (polling)")
    parser.add_argument("--send-rate", type=int, default=0,
                        help="SEND_RATE_PER_SECOND for Gig Broker (29 in production; 0 = no cap)")
    parser.add_argument("--no-delivery", dest="delivery", action="store_false",
                        help="stop each deal at payment (skip deliver and approve)")
    parser.add_argument("--cases", default="abcd", help="which of a, b, c, d to run")
    parser.add_argument("--in-process", action="store_true",
                        help="(a) and (b) in this process, beside the simulator (earlier layout)")
    parser.add_argument("--replica-think", type=float, default=0.0,
                        help="think time for (c) and (d); 0 = flat out, which measures what the "
                        "replicas can handle rather than what the people ask")
    parser.add_argument("--replica-cpus", type=float, default=0.4,
                        help="CPU quota of each replica in (c) and (d), in cores (bench.cpu_limit;"
                        " 0 = uncapped)")
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    if args.replica_cpus and set(args.cases) & {"c", "d"}:
        reason = CpuQuota.unavailable()
        if reason is not None:
            print(f"replicas run uncapped: {reason}", file=sys.stderr)
            args.replica_cpus = 0.0
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
