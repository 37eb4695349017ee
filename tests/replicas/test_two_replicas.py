"""Two bot replicas (separate processes) on one PostgreSQL behind a round-robin balancer.

The simulator plays Telegram and posts every update, with the secret header, to a small load
balancer that hands them to the replicas in turn (and to the other one when a replica is down),
as a load balancer in front of webhook replicas would. Checks: a seller's conversation goes on
whichever replica gets the next message; every notification is sent once; an unpaid invoice
expires once although both replicas sweep; a replica killed mid-deal leaves the deal (delivery
and approval) to the other; every update is handled exactly once.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.cluster import Replica, RoundRobin
from bot.storage.db import create_engine
from bot.storage.tables import ledger_entries, processed_updates
from bot.web.server import TELEGRAM_PATH
from telegram_sim import FloodLimits, SimServer
from tests.e2e.gig_steps import publish_simple_gig
from tests.e2e.order_steps import deliver

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
SECRET = "replica-secret-token"


@dataclass
class Cluster:
    sim: SimServer
    balancer: RoundRobin
    replicas: list[Replica]
    database_url: str


@pytest.fixture
async def cluster(postgres_url: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    sim = await SimServer(flood_limits=FloodLimits.off(), long_poll_cap=0.05).start()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TEST_"))},
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": sim.bot_token,
        "BOT_USERNAME": sim.bot_username,
        "TELEGRAM_API_BASE_URL": sim.url,
        "DATABASE_URL": postgres_url,
        "UPDATE_MODE": "webhook",
        "WEBHOOK_SECRET_TOKEN": SECRET,
        "HTTP_HOST": "127.0.0.1",
        "TELEGRAM_PROVIDER_TOKEN": "284685063:TEST:replicas",
        # The card rail refuses to start without a key; no refund or payout happens here.
        "STRIPE_SECRET_KEY": "sk_test_replicas",
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "INVOICE_TTL": "3s",
        "SWEEP_INTERVAL": "1s",
        "LOG_LEVEL": "INFO",
    }
    replicas = [Replica(name, environment, tmp_path) for name in ("replica-a", "replica-b")]
    balancer = RoundRobin([replica.url for replica in replicas])
    environment["WEBHOOK_URL"] = await balancer.start() + TELEGRAM_PATH
    for replica in replicas:
        replica._environment["WEBHOOK_URL"] = environment["WEBHOOK_URL"]
    try:
        for replica in replicas:  # one after the other: the first applies the migrations
            await replica.start()
        yield Cluster(sim, balancer, replicas, postgres_url)
    finally:
        for replica in replicas:
            await replica.stop()
        await balancer.stop()
        await sim.stop()


def _texts(sim: SimServer, chat_id: int, fragment: str) -> list[str]:
    return [
        m.get("text") or m.get("caption") or ""
        for m in sim.messages(chat_id)
        if fragment in (m.get("text") or m.get("caption") or "")
    ]


async def test_two_replicas_share_one_deal(cluster: Cluster) -> None:
    sim, balancer = cluster.sim, cluster.balancer
    maya, tom = sim.user("maya_seller", first_name="Maya"), sim.user("tom", first_name="Tom")

    # A whole guided conversation, its messages spread over both replicas.
    gig_id = await publish_simple_gig(maya)
    assert all(balancer.hits.get(r.url, 0) > 3 for r in cluster.replicas), balancer.hits

    # Order and pay; then a second order left unpaid, which both replicas' sweeps see.
    async def order_to_invoice() -> None:
        await tom.send(f"/start gig_{gig_id}")
        await tom.expect("minimalist logo")
        await tom.tap("Order from")
        await tom.expect("Choose a package", timeout=10)
        await tom.tap("Starter")
        await tom.expect("Total:", timeout=10)
        await tom.tap("Confirm and pay")
        await tom.expect("minimalist logo", timeout=10)

    await tom.send("/start")
    await tom.expect("Hi Tom")
    await order_to_invoice()
    assert (await tom.pay()).ok
    await tom.expect("Payment received", timeout=10)
    await maya.expect("New order", timeout=10)

    await cluster.replicas[0].kill()  # a replica dies mid-deal; the balancer fails over
    await deliver(maya, order_id=1, files=1)  # the deal goes on on the surviving replica
    await tom.expect("delivered", timeout=10)
    await tom.tap("Approve")
    await maya.expect("is complete", timeout=10)

    await order_to_invoice()
    await tom.expect("expired unpaid", timeout=15)
    await asyncio.sleep(2.5)  # more sweeps on the surviving replica: nothing more happens

    assert len(_texts(sim, tom.id, "Payment received")) == 1
    assert len(_texts(sim, maya.id, "New order")) == 1
    assert len(_texts(sim, tom.id, "expired unpaid")) == 1
    assert len(_texts(sim, maya.id, "is complete")) == 1
    engine = create_engine(cluster.database_url)
    try:
        async with engine.connect() as connection:
            claimed = (await connection.execute(processed_updates.select())).all()
            escrow = (
                await connection.execute(
                    select(func.coalesce(func.sum(ledger_entries.c.amount_minor), 0)).where(
                        ledger_entries.c.account.like("escrow:%")
                    )
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    sent_ids = {u["update_id"] for u in sim.updates_sent}
    assert {row.update_id for row in claimed} == sent_ids  # every update handled, once each
    assert all(row.finished_at is not None for row in claimed)
    assert escrow == 0  # released to the seller on approval; the unpaid order held nothing
