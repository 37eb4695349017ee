"""The card rail needs STRIPE_SECRET_KEY: a real start refuses without it, `doctor` names it.

Why: TELEGRAM_PROVIDER_TOKEN alone lets the bot take card payments that nothing can ever refund
or pay out; the operator learned of it only from buyers waiting for refunds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import EXIT_CONFIG, main
from bot.config import Settings, card_rail_problem
from bot.ops.doctor import check_stripe

ROOT = Path(__file__).resolve().parents[1]
PROVIDER = "284685063:TEST:abc"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_the_card_rail_without_a_secret_key_is_a_problem_and_only_then() -> None:
    assert card_rail_problem(_settings(telegram_provider_token=PROVIDER)) is not None
    assert card_rail_problem(_settings()) is None  # no card rail at all
    assert (
        card_rail_problem(_settings(telegram_provider_token=PROVIDER, payment_rails=["stars"]))
        is None
    )
    assert (
        card_rail_problem(
            _settings(telegram_provider_token=PROVIDER, stripe_secret_key="sk_test_1")
        )
        is None
    )


def test_run_refuses_the_card_rail_without_a_key_with_one_message_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:abc")
    monkeypatch.setenv("TELEGRAM_PROVIDER_TOKEN", PROVIDER)
    assert main(["run"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "STRIPE_SECRET_KEY" in err and "TELEGRAM_PROVIDER_TOKEN" in err
    assert "Traceback" not in err


def test_the_command_line_exits_2_without_a_traceback(tmp_path: Path) -> None:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))},
        "BOT_TOKEN": "123456:abc",
        "TELEGRAM_PROVIDER_TOKEN": PROVIDER,
        "PYTHONPATH": str(ROOT),
    }
    environment.pop("STRIPE_SECRET_KEY", None)
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == EXIT_CONFIG
    assert "STRIPE_SECRET_KEY" in completed.stderr and "Traceback" not in completed.stderr


async def test_doctor_names_the_missing_key() -> None:
    finding = await check_stripe(_settings(telegram_provider_token=PROVIDER))
    assert not finding.ok and "STRIPE_SECRET_KEY" in finding.detail
    finding = await check_stripe(_settings())
    assert finding.ok
