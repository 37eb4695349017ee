"""`python -m bot reconcile [--since DATE]`: the books against Stripe and Telegram, printed.

The command builds the adapters itself (the database, the Stripe gateway, a Bot for Stars),
so it lives with the other operations commands; the matching is `reconcile()` in
bot/services/money/reconcile.py, which knows nothing of Telegram.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.config import Settings
from bot.errors import PaymentError
from bot.services.money.reconcile import reconcile

Print = Callable[[str], None]


EXIT_CLEAN, EXIT_MISMATCHES, EXIT_CANNOT = 0, 1, 2


def parse_since(text: str) -> datetime:
    """`2026-12-01` (midnight UTC) or an ISO date-time (UTC unless it names its offset)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not a date: {text!r} (use YYYY-MM-DD or an ISO date-time)") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def run_command(settings: Settings, since: datetime | None, out: Print = print) -> int:
    """Reconcile the configured database against the configured providers; print each
    mismatch and the summary line; 0 when clean, 1 on mismatches, 2 when a provider or the
    database could not be read."""
    from sqlalchemy.exc import SQLAlchemyError
    from telegram import Bot

    from bot.payments.stripe_gateway import StripeGateway
    from bot.storage.db import create_engine
    from bot.storage.uow import SqlUnitOfWorkFactory
    from bot.telegram.stars import TelegramStarsLedger

    engine = create_engine(settings.database_url)
    gateway: StripeGateway | None = None
    bot: Bot | None = None
    try:
        if settings.stripe_secret_key is not None:
            gateway = StripeGateway(
                settings.stripe_secret_key.get_secret_value(), api_base=settings.stripe_api_base
            )
        else:
            out("stripe: not checked (STRIPE_SECRET_KEY is not set)")
        if settings.token:
            base = (settings.telegram_api_base_url or "https://api.telegram.org").rstrip("/")
            bot = Bot(settings.token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")
        else:
            out("stars: not checked (BOT_TOKEN is not set)")
        stars = TelegramStarsLedger(bot) if bot is not None else None
        report = await reconcile(SqlUnitOfWorkFactory(engine), gateway, stars, since)
    except PaymentError as exc:
        out(f"reconcile: a provider could not be listed: {exc}")
        return EXIT_CANNOT
    except SQLAlchemyError as exc:
        out(f"reconcile: the database could not be read ({type(exc).__name__}); is it migrated?")
        return EXIT_CANNOT
    finally:
        if gateway is not None:
            await gateway.close()
        if bot is not None:
            await bot.shutdown()
        await engine.dispose()
    for line in report.lines():
        out(line)
    return EXIT_CLEAN if report.clean else EXIT_MISMATCHES
