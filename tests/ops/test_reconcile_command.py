"""`python -m bot reconcile [--since DATE]`: output, last line and exit codes."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.domain.ledger import payment_received
from bot.domain.money import Money
from bot.ops.reconcile_command import EXIT_CLEAN, EXIT_MISMATCHES, parse_since, run_command
from bot.storage.db import create_engine
from bot.storage.migrate import upgrade
from bot.storage.uow import SqlUnitOfWorkFactory
from telegram_sim import FloodLimits, SimServer

ROOT = Path(__file__).resolve().parents[2]


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    database = tmp_path / "gb.sqlite3"
    environment = {
        key: value for key, value in os.environ.items()
        if key not in ("BOT_TOKEN", "STRIPE_SECRET_KEY")
    }  # fmt: skip
    environment |= {"DATABASE_URL": f"sqlite+aiosqlite:///{database}", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_clean_database_exits_0_with_the_summary_last(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "migrate").returncode == 0
    completed = run_cli(tmp_path, "reconcile", "--since", "2026-12-01")
    assert completed.returncode == EXIT_CLEAN, completed.stderr
    lines = completed.stdout.strip().splitlines()
    assert "stripe: not checked (STRIPE_SECRET_KEY is not set)" in lines
    assert lines[-1] == "reconcile: 0 provider objects, 0 ledger transactions, 0 mismatches"


def test_a_bad_date_is_refused_with_exit_2(tmp_path: Path) -> None:
    completed = run_cli(tmp_path, "reconcile", "--since", "last week")
    assert completed.returncode == 2
    assert "not a date: 'last week'" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_since_accepts_dates_and_date_times() -> None:
    assert parse_since("2026-12-01") == datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_since("2026-12-01T10:30:00+01:00").utcoffset() is not None


async def test_mismatches_are_printed_and_exit_1(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gb.sqlite3'}"
    engine = create_engine(url)
    await upgrade(engine)
    async with SqlUnitOfWorkFactory(engine)() as uow:
        booked = payment_received(1, Money(50, "XTR"), provider_ref="stars:never_paid")
        await uow.ledger.record(dataclasses.replace(booked, order_id=None), datetime.now(UTC))
    await engine.dispose()
    sim = SimServer(flood_limits=FloodLimits.off())
    await sim.start()
    try:
        user = sim.user("alice").user
        sim.world.star_transactions.append(
            {"id": "st_lost", "amount": 30, "date": int(datetime.now(UTC).timestamp()),
             "source": {"type": "user", "transaction_type": "invoice_payment",
                        "user": user.to_api(), "invoice_payload": "order:9"}}
        )  # fmt: skip
        settings = Settings(
            _env_file=None, database_url=url, bot_token=sim.bot_token,
            telegram_api_base_url=sim.url,
        )  # fmt: skip
        lines: list[str] = []
        assert await run_command(settings, None, lines.append) == EXIT_MISMATCHES
    finally:
        await sim.stop()
    assert lines[-1] == "reconcile: 1 provider objects, 1 ledger transactions, 2 mismatches"
    assert any(line.startswith("missing in the ledger: stars:st_lost") for line in lines)
    assert any(line.startswith("missing at the provider: stars:never_paid") for line in lines)


def test_an_unmigrated_database_is_exit_2(tmp_path: Path) -> None:
    completed = run_cli(tmp_path, "reconcile")
    assert completed.returncode == 2
    assert "the database could not be read" in completed.stdout
    assert "Traceback" not in completed.stderr
