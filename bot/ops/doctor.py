"""`python -m bot doctor`: checks what the bot needs and says in plain words what is wrong.

Each check returns a `Finding`; the command prints them all (it never stops at the first), so
an operator fixing a deployment sees every problem at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import Settings, card_rail_problem
from bot.storage.db import create_engine, is_sqlite
from bot.storage.migrate import current_revision, head_revision

CHECK_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.name}: {self.detail}"


async def check_database(settings: Settings) -> Finding:
    if is_sqlite(settings.database_url):
        path = make_url(settings.database_url).database or ""
        if not await asyncio.to_thread(Path(path).exists):
            return Finding(
                "database", False, f"no database file at {path}: `python -m bot migrate` makes it"
            )
    engine = create_engine(settings.database_url)
    try:
        revision = await asyncio.wait_for(current_revision(engine), CHECK_TIMEOUT_S)
    except Exception as error:  # report any failure in words, never a traceback
        return Finding("database", False, f"cannot open {_safe_url(settings)}: {_reason(error)}")
    finally:
        await engine.dispose()
    head = head_revision()
    if revision != head:
        return Finding(
            "database",
            False,
            f"reachable, but at migration {revision or 'none'} instead of {head}: "
            "run `python -m bot migrate`",
        )
    return Finding("database", True, f"reachable and up to date ({head})")


async def check_telegram(settings: Settings) -> Finding:
    if not settings.token:
        return Finding("telegram", False, "BOT_TOKEN is not set (get one from @BotFather)")
    base = (settings.telegram_api_base_url or "https://api.telegram.org").rstrip("/")
    try:
        async with Bot(
            settings.token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot"
        ) as bot:
            me = await asyncio.wait_for(bot.get_me(), CHECK_TIMEOUT_S)
    except InvalidToken:
        return Finding("telegram", False, "Telegram refused BOT_TOKEN: check it with @BotFather")
    except (NetworkError, TimeoutError) as error:
        return Finding("telegram", False, f"cannot reach the Bot API: {_reason(error)}")
    except TelegramError as error:
        return Finding("telegram", False, f"the Bot API answered with an error: {error.message}")
    return Finding("telegram", True, f"connected as @{me.username}")


async def check_stripe(settings: Settings) -> Finding:
    problem = card_rail_problem(settings)
    if problem is not None:
        return Finding("stripe", False, problem)
    if settings.stripe_secret_key is None:
        return Finding("stripe", True, "not configured (card refunds and payouts are off)")
    base = (settings.stripe_api_base or "https://api.stripe.com").rstrip("/")
    key = settings.stripe_secret_key.get_secret_value()
    try:
        async with httpx.AsyncClient(timeout=CHECK_TIMEOUT_S) as client:
            response = await client.get(f"{base}/v1/charges", params={"limit": 1}, auth=(key, ""))
    except httpx.HTTPError as error:
        return Finding("stripe", False, f"cannot reach {base}: {_reason(error)}")
    if response.status_code == 401:
        return Finding("stripe", False, "Stripe refused STRIPE_SECRET_KEY")
    if response.status_code >= 400:
        return Finding("stripe", False, f"Stripe answered HTTP {response.status_code}")
    return Finding("stripe", True, f"reachable at {base}")


def _safe_url(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}{': ' + text[:200] if text else ''}"


Check = Callable[[Settings], Awaitable[Finding]]
CHECKS: tuple[Check, ...] = (check_database, check_telegram, check_stripe)


async def diagnose(settings: Settings) -> list[Finding]:
    return list(await asyncio.gather(*(check(settings) for check in CHECKS)))
