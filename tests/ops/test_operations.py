"""Operations: doctor, backup, JSON logs without secrets, health, readiness and metrics."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.config import Settings
from bot.ops.backup import backup_sqlite
from bot.ops.doctor import check_database, check_stripe, check_telegram
from bot.ops.logging import JsonFormatter, RedactingFilter
from bot.storage.db import create_engine
from bot.storage.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


async def test_doctor_names_an_unreachable_database() -> None:
    finding = await check_database(
        _settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/test")
    )
    assert not finding.ok
    assert "cannot open" in finding.detail


async def test_doctor_says_how_to_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "gb.sqlite3"
    finding = await check_database(_settings(database_url=f"sqlite+aiosqlite:///{missing}"))
    assert not finding.ok and "python -m bot migrate" in finding.detail
    assert not missing.parent.exists(), "the doctor must not create anything"


async def test_doctor_accepts_a_migrated_database(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    await upgrade(engine)
    await engine.dispose()
    finding = await check_database(_settings(database_url=sqlite_url))
    assert finding.ok, finding.detail


async def test_doctor_reports_telegram_and_stripe_unreachable() -> None:
    settings = _settings(
        bot_token="123:abc",
        telegram_api_base_url="http://127.0.0.1:1",
        stripe_secret_key="sk_test_x",
        stripe_api_base="http://127.0.0.1:1",
    )
    telegram, stripe = await check_telegram(settings), await check_stripe(settings)
    assert not telegram.ok and "cannot reach" in telegram.detail
    assert not stripe.ok and "cannot reach" in stripe.detail


def test_doctor_command_on_a_broken_setting_exits_1_in_plain_words(tmp_path: Path) -> None:
    environment = {**os.environ, "BUYER_FEE_BPS": "lots", "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "doctor"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 1
    assert "✗ settings" in completed.stdout and "BUYER_FEE_BPS" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr


async def test_backup_copies_a_live_sqlite_database(sqlite_url: str, tmp_path: Path) -> None:
    engine = create_engine(sqlite_url)
    await upgrade(engine)
    target = backup_sqlite(sqlite_url, tmp_path / "copy" / "backup.sqlite3")
    await engine.dispose()
    with sqlite3.connect(target) as copy:
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
    assert {"gigs", "orders", "ledger_entries"} <= tables
    with pytest.raises(FileExistsError):
        backup_sqlite(sqlite_url, target)


def test_json_logs_carry_ids_and_never_secrets() -> None:
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    record = logging.LogRecord(
        "bot", logging.INFO, __file__, 1, "paying with %s and %s", ("sk_live_abc123", token), None
    )
    record.order_id = 42
    RedactingFilter(["mysecret"]).filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["order_id"] == 42
    assert "sk_live_abc123" not in line["message"] and token not in line["message"]
    assert line["message"] == "paying with [redacted] and [redacted]"


async def test_health_readiness_and_metrics_over_http(tmp_path: Path) -> None:
    from tests.harness import start_harness

    sim, bot, _clock = await start_harness(tmp_path, serve_http=True)
    try:
        alice = sim.user("alice")
        await alice.send("/start")
        await alice.expect("Hi")
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{bot.http_url}/healthz") as response:
                assert response.status == 200
            async with session.get(f"{bot.http_url}/readyz") as response:
                assert response.status == 200, await response.text()
            async with session.get(f"{bot.http_url}/metrics") as response:
                metrics = await response.text()
        assert 'gigbroker_updates_total{type="message"}' in metrics
        assert "gigbroker_outbox_lag_seconds" in metrics
    finally:
        await bot.stop()
        await sim.stop()


async def test_copy_from_sqlite_to_another_store_keeps_every_row(
    sqlite_url: str, database_url: str, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from bot.ops.copy import TargetNotEmpty, copy_database
    from bot.services.ports import NewNotification, TelegramIdentity
    from bot.storage.uow import SqlUnitOfWorkFactory

    if database_url == sqlite_url:  # SQLite to SQLite: copy into a second file
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'target.sqlite3'}"
    now = datetime(2026, 5, 1, tzinfo=UTC)
    source = create_engine(sqlite_url)
    await upgrade(source)
    async with SqlUnitOfWorkFactory(source)() as uow:
        await uow.users.upsert_identity(TelegramIdentity(5, "Eve"), now)
        await uow.outbox.add(NewNotification(5, "hello"), now)
    target = create_engine(database_url)
    try:
        copied = await copy_database(source, target, report=lambda _: None)
        assert copied["users"] == 1 and copied["outbox"] == 1
        async with SqlUnitOfWorkFactory(target)() as uow:
            assert (await uow.users.get(5)) is not None
            await uow.outbox.add(NewNotification(5, "after the copy"), now)  # ids continue
            assert await uow.outbox.pending_count() == 2
        with pytest.raises(TargetNotEmpty):
            await copy_database(source, target, report=lambda _: None)
    finally:
        await source.dispose()
        await target.dispose()


def test_records_written_while_handling_an_update_carry_its_id() -> None:
    from bot.ops.log_context import CURRENT_UPDATE, UpdateContextFilter

    token = CURRENT_UPDATE.set(987)
    try:
        record = logging.LogRecord("bot", logging.INFO, __file__, 1, "handled", (), None)
        UpdateContextFilter().filter(record)
    finally:
        CURRENT_UPDATE.reset(token)
    assert json.loads(JsonFormatter().format(record))["update_id"] == 987
    outside = logging.LogRecord("bot", logging.INFO, __file__, 1, "idle", (), None)
    UpdateContextFilter().filter(outside)
    assert "update_id" not in json.loads(JsonFormatter().format(outside))
