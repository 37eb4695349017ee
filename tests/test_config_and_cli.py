"""Settings and the command line: defaults documented, bad values reported at once, exit 2."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import EXIT_CONFIG, main
from bot.config import Settings, load_settings
from bot.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[1]
SETTING_LINE = re.compile(r"^([A-Z_]+)=(.*)$")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_env_example_lists_every_setting_with_its_default() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    documented = {m.group(1): m.group(2) for line in lines if (m := SETTING_LINE.match(line))}
    assert set(documented) == {name.upper() for name in Settings.model_fields}
    for index, line in enumerate(lines):
        if SETTING_LINE.match(line):
            assert lines[index - 1].startswith("# "), f"{line} has no explanation above it"
    from_example = Settings(_env_file=ROOT / ".env.example")
    assert from_example == Settings(_env_file=None)


def test_every_bad_setting_is_named_in_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURRENCY", "dollars")
    monkeypatch.setenv("BUYER_FEE_BPS", "lots")
    monkeypatch.setenv("AUTO_COMPLETE_AFTER", "soon")
    monkeypatch.setenv("DATABASE_URL", "mysql://x")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    message = caught.value.render_untranslated()
    for name in ("CURRENCY", "BUYER_FEE_BPS", "AUTO_COMPLETE_AFTER", "DATABASE_URL"):
        assert name in message
    assert "30s, 15m, 72h or 3d" in message


def test_readable_durations_and_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTO_COMPLETE_AFTER", "72h")
    monkeypatch.setenv("ADMIN_IDS", "11, 22")
    monkeypatch.setenv("PAYMENT_RAILS", "stripe,stars")
    settings = load_settings()
    assert settings.auto_complete_after.total_seconds() == 72 * 3600
    assert settings.admin_ids == [11, 22]
    assert settings.payment_rails == ["stripe", "stars"]


def test_run_without_token_explains_botfather_and_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run"]) == EXIT_CONFIG
    assert "@BotFather" in capsys.readouterr().err


def test_bad_setting_stops_the_cli_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    environment = {**os.environ, "BUYER_FEE_BPS": "-5", "BOT_TOKEN": "1:x"}
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == EXIT_CONFIG
    assert "BUYER_FEE_BPS" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_migrate_command_creates_the_database(tmp_path: Path) -> None:
    database = tmp_path / "data" / "gb.sqlite3"
    environment = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert database.exists()
