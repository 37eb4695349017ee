"""Command line: `python -m bot run | start | demo | migrate | messages | reconcile | ...`.

Start-up problems (no token, a bad setting) are the operator's, not bugs: they get one plain
message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.config import Settings, card_rail_problem, load_settings
from bot.errors import ConfigurationError

EXIT_CONFIG = 2

BOTFATHER_GUIDANCE = """\
Gig Broker needs a Telegram bot token to run.

  1. Open Telegram and start a chat with @BotFather.
  2. Send /newbot, choose a name and a username ending in "bot".
  3. BotFather answers with a token such as 123456789:AAE...; copy it.
  4. Put it in a file named .env next to this README:  BOT_TOKEN=123456789:AAE...
     (or export BOT_TOKEN=... in your shell), then run the bot again.

For payments, also ask @BotFather for a Stripe provider token (Payments in your bot's settings)
and set TELEGRAM_PROVIDER_TOKEN. Without a token, `python -m bot demo` shows a whole deal on the
local Telegram simulator.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Gig Broker: a micro-job marketplace bot for Telegram."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="apply migrations and run the bot (needs BOT_TOKEN)")
    commands.add_parser(
        "start", help="run the bot when BOT_TOKEN is set, otherwise explain and play the demo"
    )
    commands.add_parser("demo", help="play a whole deal on the local Telegram simulator")
    commands.add_parser("migrate", help="apply database migrations up to the newest")
    commands.add_parser("messages", help="re-extract translatable messages into the catalogs")
    commands.add_parser(
        "doctor", help="check settings, database, Telegram and Stripe; say what is wrong"
    )
    copy = commands.add_parser(
        "copy-db", help="copy all data from one database URL to another (bot stopped)"
    )
    copy.add_argument("source", help="e.g. sqlite+aiosqlite:///./data/gigbroker.sqlite3")
    copy.add_argument("target", help="e.g. postgresql+asyncpg://user@host/db (empty)")
    reconcile = commands.add_parser(
        "reconcile",
        help="match Stripe's and Telegram's charges, refunds and transfers to the ledger",
    )
    reconcile.add_argument(
        "--since",
        type=_since,
        help="only objects created from this date (YYYY-MM-DD, UTC) or ISO date-time",
    )
    backup = commands.add_parser("backup", help="copy the SQLite database while the bot runs")
    backup.add_argument("target", nargs="?", help="file to write (default: backups/<time>)")
    return parser


def _since(text: str) -> object:
    from bot.ops.reconcile_command import parse_since

    try:
        return parse_since(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _reconcile(settings: Settings, since: object) -> int:
    from datetime import datetime

    from bot.ops.reconcile_command import run_command

    return asyncio.run(
        run_command(settings, since if isinstance(since, datetime) else None)
    )


def _settings() -> Settings:
    return load_settings()


async def _migrate(settings: Settings) -> None:
    from bot.storage.db import create_engine
    from bot.storage.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _run(settings: Settings) -> int:
    if not settings.token:
        print(BOTFATHER_GUIDANCE, file=sys.stderr)
        return EXIT_CONFIG
    problem = card_rail_problem(settings)
    if problem is not None:
        raise ConfigurationError(f"Gig Broker cannot start: {problem}")
    from bot.runner import run_bot

    run_bot(settings)
    return 0


def _doctor() -> int:
    from bot.ops.doctor import Finding, diagnose

    try:
        settings = _settings()
    except ConfigurationError as error:
        print(Finding("settings", False, error.render_untranslated()).line())
        return 1
    print(Finding("settings", True, "all values are valid").line())
    findings = asyncio.run(diagnose(settings))
    for finding in findings:
        print(finding.line())
    return 0 if all(finding.ok for finding in findings) else 1


def _backup(settings: Settings, target: str | None) -> int:
    from pathlib import Path

    from bot.ops.backup import PG_DUMP_GUIDANCE, backup_sqlite, default_target
    from bot.storage.db import is_sqlite

    if not is_sqlite(settings.database_url):
        print(PG_DUMP_GUIDANCE)
        return 0
    try:
        written = backup_sqlite(settings.database_url, Path(target) if target else default_target())
    except (FileNotFoundError, FileExistsError) as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Backup written to {written}")
    return 0


async def _copy_db(source_url: str, target_url: str) -> int:
    from bot.ops.copy import TargetNotEmpty, copy_database
    from bot.storage.db import create_engine

    source, target = create_engine(source_url), create_engine(target_url)
    try:
        copied = await copy_database(source, target)
    except TargetNotEmpty as error:
        print(f"Nothing copied: {error}. Use an empty database.", file=sys.stderr)
        return 1
    finally:
        await source.dispose()
        await target.dispose()
    print(f"Copied {sum(copied.values())} rows in {len(copied)} tables.")
    return 0


def _demo() -> int:
    from bot.demo.play import play_demo

    return asyncio.run(play_demo())


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        if arguments.command == "messages":
            from bot.i18n.extract import update_catalogs

            for path in update_catalogs():
                print(f"wrote {path}")
            return 0
        if arguments.command == "demo":
            return _demo()
        if arguments.command == "doctor":
            return _doctor()
        if arguments.command == "copy-db":
            return asyncio.run(_copy_db(arguments.source, arguments.target))
        settings = _settings()
        if arguments.command == "migrate":
            asyncio.run(_migrate(settings))
            from bot.storage.db import safe_url

            print(f"Database is up to date: {safe_url(settings.database_url)}")
            return 0
        if arguments.command == "backup":
            return _backup(settings, arguments.target)
        if arguments.command == "reconcile":
            return _reconcile(settings, arguments.since)
        if arguments.command == "start" and not settings.token:
            print(BOTFATHER_GUIDANCE)
            print("No BOT_TOKEN set: playing the demo on the local simulator instead.\n")
            return _demo()
        return _run(settings)
    except ConfigurationError as error:
        print(error.render_untranslated(), file=sys.stderr)
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
