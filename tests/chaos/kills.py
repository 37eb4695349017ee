"""`kill -9` of a real bot process (`python -m bot run`) in the middle of whole deals.

The bot runs as a subprocess against the local simulator (Stars rail, so every payment,
refund and payout is one the simulator records), in polling or webhook mode, on the store
under test. Each deal is driven as people would: order, pay, then either the seller declines
(a refund) or delivers and the buyer approves and the operator settles the payout. The four
money steps (payment, approval, decline/refund, payout) each get a SIGKILL at a seeded random
moment while the step is in flight; the process is started again on the same database and the
person does what a person would do next: taps again if nothing happened. A payment is never
paid twice by the driver: a charge the simulator holds is the provider's record the audit
checks against the ledger after every deal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.cluster import Replica
from bot.clock import SystemClock
from bot.domain.gig import GigStatus, validate_for_publish
from bot.domain.ledger import seller_payable
from bot.services.ports import TelegramIdentity
from bot.storage.db import create_engine
from bot.storage.migrate import upgrade
from bot.storage.tables import orders, processed_updates
from bot.storage.uow import SqlUnitOfWorkFactory
from bot.web.server import TELEGRAM_PATH
from telegram_sim import FloodLimits, Person, SimServer
from tests.chaos.books import Finding, audit, reading
from tests.chaos.report import Injection, Tally
from tests.chaos.sim_books import sim_provider
from tests.e2e.order_steps import deliver
from tests.e2e.test_orders import order_until_invoice
from tests.harness import Harness
from tests.services.money_world import gig_draft

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
SECRET = "chaos-kill-secret"
#: How long after a step starts the kill may come (uniform, seeded).
KILL_WINDOW_S = 0.05
STEP_TIMEOUT_S = 6.0
#: Longest wait for redeliveries at the end: the claim lease of a killed process, and a margin.
LEASE_WAIT_S = 150.0


class KilledBot:
    """The bot subprocess: start, SIGKILL, start again on the same database."""

    def __init__(self, sim: SimServer, url: str, mode: str, folder: Path, admin: int) -> None:
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TEST_"))},
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": sim.bot_token,
            "BOT_USERNAME": sim.bot_username,
            "TELEGRAM_API_BASE_URL": sim.url,
            "DATABASE_URL": url,
            "UPDATE_MODE": mode,
            "HTTP_HOST": "127.0.0.1",
            "PAYMENT_RAILS": "stars",
            "ADMIN_IDS": str(admin),
            "SWEEP_INTERVAL": "1s",
            "LOG_LEVEL": "WARNING",
        }
        self.replica = Replica("chaos-bot", environment, folder)
        if mode == "webhook":
            self.replica._environment.update(
                WEBHOOK_URL=self.replica.url + TELEGRAM_PATH, WEBHOOK_SECRET_TOKEN=SECRET
            )
        self.kills = 0

    async def start(self) -> None:
        await self.replica.start()

    async def kill(self) -> None:
        await self.replica.kill()
        self.kills += 1

    async def stop(self) -> None:
        await self.replica.stop()


class Deals:
    def __init__(self, sim: SimServer, bot: KilledBot, engine: AsyncEngine, rng: random.Random):
        self.sim = sim
        self.bot = bot
        self.engine = engine
        self.rng = rng
        self.seller = sim.user("kill_seller", first_name="Sam")
        self.operator: Person | None = None
        self.gig_id = 0
        self.steps: list[str] = []  # the money steps the current deal reached
        self.moments: list[str] = []  # per kill: the step, and where its update was

    async def seed_gig(self) -> None:
        await self.seller.send("/start")
        await self.seller.expect("Hi", timeout=15)
        photo = self.sim.world.store_file("photo", b"\xff\xd8 logo", size=(640, 480)).file_id
        draft = gig_draft("XTR", 100).model_copy(update={"photos": (photo,)})
        uow = SqlUnitOfWorkFactory(self.engine)
        async with uow() as unit:
            now = SystemClock().now()
            await unit.users.upsert_identity(TelegramIdentity(self.seller.id, "Sam"), now)
            self.gig_id = await unit.gigs.add(
                self.seller.id, validate_for_publish(draft), GigStatus.live, now
            )

    async def _moment(self) -> str:
        """Where the step's update was when the process died: not yet claimed, claimed and
        being handled ("in flight"), or finished."""
        update_id = self.sim.updates_sent[-1]["update_id"]
        async with reading(self.engine) as connection:
            row = (
                await connection.execute(
                    select(processed_updates.c.finished_at).where(
                        processed_updates.c.update_id == update_id
                    )
                )
            ).first()
        if row is None:
            return "before"
        return "in flight" if row[0] is None else "after"

    async def status(self, order_id: int) -> str:
        async with reading(self.engine) as connection:
            row = (
                await connection.execute(select(orders.c.status).where(orders.c.id == order_id))
            ).first()
        return str(row[0]) if row else ""

    async def last_order(self, buyer: Person) -> int:
        async with reading(self.engine) as connection:
            row = (
                await connection.execute(
                    select(orders.c.id)
                    .where(orders.c.buyer_id == buyer.id)
                    .order_by(orders.c.id.desc())
                )
            ).first()
        return int(row[0]) if row else 0

    async def killing(
        self,
        step: str,
        action: Callable[[], Awaitable[Any]],
        pushed: Callable[[], bool] = lambda: True,
    ) -> None:
        """Run `action`; once its update reached the bot (`pushed`), SIGKILL the bot at a
        random moment of the next KILL_WINDOW_S (while the update is being handled, or just
        before or after), then start the bot again on the same database.

        The person's side of the step is abandoned at the kill: what they do next is decided
        from the database, as a person decides from what the chat shows.
        """
        task = asyncio.ensure_future(action())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STEP_TIMEOUT_S
        while not pushed() and not task.done() and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.002)
        await asyncio.sleep(self.rng.uniform(0.0, KILL_WINDOW_S))
        await self.bot.kill()
        self.moments.append(f"{step}: {await self._moment()}")
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        log.info("killed during %s", step)
        await self.bot.start()

    async def until(self, order_id: int, statuses: tuple[str, ...], seconds: float = 8) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            if await self.status(order_id) in statuses:
                return True
            await asyncio.sleep(0.1)
        return False

    async def deal(self, number: int, decline: bool) -> list[str]:
        """One whole deal with a kill in each money step; returns the steps it got through."""
        buyer = self.sim.user(f"kill_buyer_{number}", first_name="Tom")
        await buyer.send("/start")
        await buyer.expect("Hi", timeout=15)
        # The end-to-end steps, as a person takes them (the harness argument is not used).
        await order_until_invoice(cast(Harness, None), buyer, self.gig_id)
        order_id = await self.last_order(buyer)
        steps = self.steps = ["payment"]
        charges_before = len(self.sim.world.charges)
        await self.killing(
            "payment", buyer.pay, lambda: len(self.sim.world.charges) > charges_before
        )
        if len(self.sim.world.charges) == charges_before:  # died before the pre-checkout answer
            await buyer.pay()
        if not await self.until(order_id, ("in_progress",)):
            return steps  # the payment was lost: the audit says so
        if decline:
            steps.append("refund")
            notice = await self.seller.expect(f"#{order_id}", timeout=10)
            await self.killing("refund", lambda: self.seller.tap("Decline", notice))
            if not await self.until(order_id, ("cancelled",), 3):
                await self.seller.tap("Decline", notice)
                await self.until(order_id, ("cancelled",))
            await self.until_refunded(order_id)
            return steps
        await deliver(self.seller, order_id, files=0)
        steps.append("approval")
        await buyer.expect("Please check the work", timeout=10)
        await self.killing("approval", lambda: buyer.tap("Approve"))
        if not await self.until(order_id, ("completed",), 3):
            await buyer.tap("Approve")
            await self.until(order_id, ("completed",))
        steps.append("payout")
        await self.settle(order_id)
        return steps

    async def until_refunded(self, order_id: int, seconds: float = 8) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            if not any(f.key == f"escrow:{order_id}" for f in await self.audit()):
                return
            await asyncio.sleep(0.2)

    async def settle(self, order_id: int) -> None:
        operator = self.operator
        assert operator is not None

        async def listed() -> Any:
            await operator.send("/payouts")
            return await operator.expect("is owed", timeout=8)

        message = await listed()
        await self.killing("payout", lambda: operator.tap("Mark as settled", message))
        for _attempt in range(3):
            await asyncio.sleep(0.5)
            if not await self.owed():
                return
            with contextlib.suppress(Exception):  # the operator looks again and taps again
                await operator.tap("Mark as settled", await listed())

    async def owed(self) -> int:
        async with SqlUnitOfWorkFactory(self.engine)(read_only=True) as uow:
            return await uow.ledger.balance(seller_payable(self.seller.id), "XTR")

    async def audit(self) -> list[Finding]:
        return await audit(self.engine, sim_provider(self.sim))


async def _final_audit(driver: Deals, injections: list[Injection]) -> None:
    """Keep only what is still wrong once Telegram stopped redelivering.

    An update that a killed process had claimed is redelivered until the claim's lease ends
    (`UPDATE_CLAIM_LEASE`); what it books then is late, not lost. So the suite waits (at most
    LEASE_WAIT_S) until the simulator holds no pending update and the sweeps ran, and drops
    the findings that healed meanwhile; they are logged, not counted.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LEASE_WAIT_S
    findings = await driver.audit()
    while findings and loop.time() < deadline:
        if not driver.sim.world.updates.pending:
            await asyncio.sleep(2.0)  # the sweeps after the last delivery
            findings = await driver.audit()
            if not driver.sim.world.updates.pending:
                break
        await asyncio.sleep(1.0)
    still = {f.key for f in findings}
    for injection in injections:
        for finding in injection.findings:
            if finding.key not in still:
                log.warning("healed later (after a redelivery): %s", finding.text)
                injection.notes.append(
                    f"{finding.kind} at the end of the deal, healed later (a redelivery after "
                    f"the killed process's claim lease ran out): {finding.key.split(':')[0]}"
                )
        injection.findings = [f for f in injection.findings if f.key in still]


async def run_kills(
    url: str,
    tally: Tally,
    kills: int,
    mode: str = "polling",
    seed: int = 0,
    max_deals: int = 60,
) -> None:
    """Whole deals, a kill in each money step they reach (2 or 3 a deal, 1 when the payment
    is lost), until `kills` kills were made (or `max_deals` deals)."""
    rng = random.Random(seed)
    sim = await SimServer(
        flood_limits=FloodLimits.off(), long_poll_cap=0.05, pre_checkout_timeout=3.0,
        webhook_retry_delay=0.1,
    ).start()  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="chaos-kill-"))
    engine = create_engine(url)
    await upgrade(engine)
    operator = sim.user("kill_ops", first_name="Olga")
    bot = KilledBot(sim, url, mode, folder, operator.id)
    try:
        await bot.start()
        driver = Deals(sim, bot, engine, rng)
        driver.operator = operator
        await operator.send("/start")
        await operator.expect("Hi", timeout=15)
        await driver.seed_gig()
        seen: set[str] = set()
        deals = 0
        for number in range(max_deals):
            if bot.kills >= kills:
                break
            deals += 1
            kills_before = bot.kills
            error = ""
            steps: list[str] = []
            try:
                steps = await driver.deal(number, decline=number % 2 == 1)
            except Exception as exc:
                error = f"{type(exc).__name__}: {str(exc)[:100]}"
                steps = driver.steps
                log.warning("deal %s stopped: %s", number, error)
            await asyncio.sleep(1.0)  # a sweep (SWEEP_INTERVAL=1s) after the deal
            new = [f for f in await driver.audit() if f.key not in seen]
            seen.update(f.key for f in new)
            tally.kills += bot.kills - kills_before
            tally.injections.append(
                Injection(
                    f"kill -9 {mode}", number, "/".join(steps), "kill -9", True, error, new
                )
            )
        await _final_audit(driver, tally.injections[-deals:] if deals else [])
        tally.moments += [f"{mode} {moment}" for moment in driver.moments]
    finally:
        await bot.stop()
        await sim.stop()
        await engine.dispose()
        if tally.kills == 0:
            print((folder / "chaos-bot.log").read_text()[-3000:])
