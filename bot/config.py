"""Settings of Gig Broker, read from the environment and `.env` (pydantic-settings).

Every setting is listed with its default and a one-line explanation in `.env.example`. A bad
value must stop start-up with one plain message that names every bad setting and what it
expects, so `load_settings` collects all of pydantic's errors into one `ConfigurationError`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigurationError

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

PaymentRail = Literal["stripe", "stars"]


def parse_duration(value: Any) -> Any:
    """Accept `30s`, `15m`, `72h`, `3d` or plain seconds, so `.env` files stay readable."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match is None:
            raise ValueError("expected a duration such as 30s, 15m, 72h or 3d")
        number, unit = match.groups()
        return timedelta(seconds=int(number) * _UNIT_SECONDS[(unit or "s").lower()])
    return value


def split_csv(value: Any) -> Any:
    """Accept `1,2,3` for list settings instead of JSON."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _default_rails() -> list[PaymentRail]:
    return ["stripe"]


class Settings(BaseSettings):
    """Everything the operator can set. Defaults run a local SQLite store in polling mode."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    # Telegram
    bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    bot_username: str | None = None

    # Storage
    database_url: str = "sqlite+aiosqlite:///./data/gigbroker.sqlite3"

    # Operators
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    # Money
    currency: str = "USD"
    buyer_fee_bps: int = Field(550, ge=0, le=5000)
    seller_commission_bps: int = Field(2000, ge=0, le=5000)
    small_order_fee_minor: int = Field(200, ge=0)
    small_order_threshold_minor: int = Field(4000, ge=0)
    price_floor_minor: int = Field(500, gt=0)
    price_ceiling_minor: int = Field(1_000_000, gt=0)
    stars_price_floor: int = Field(50, gt=0)
    stars_price_ceiling: int = Field(100_000, gt=0)
    payment_rails: Annotated[list[PaymentRail], NoDecode] = Field(default_factory=_default_rails)
    # Group admins' share of orders that came from their chat's post, from the platform's fee.
    group_referral_bps: int = Field(0, ge=0, le=5000)

    # Timings
    auto_complete_after: timedelta = timedelta(days=3)
    invoice_ttl: timedelta = timedelta(hours=1)
    clearance_period: timedelta = timedelta(days=7)
    seller_decline_window: timedelta = timedelta(hours=24)
    mutual_cancel_timeout: timedelta = timedelta(hours=48)
    review_window: timedelta = timedelta(days=14)
    sweep_interval: timedelta = timedelta(seconds=30)
    # Payment journal: operators are alerted once a money event failed to apply this often.
    journal_alert_after: int = Field(5, ge=1, le=1000)
    # Buyer requests: how many freelancers one request reaches, how long it is open.
    request_max_sellers: int = Field(5, ge=1, le=50)
    request_ttl: timedelta = timedelta(days=3)

    # Stripe
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None
    telegram_provider_token: SecretStr | None = None
    connect_country: str = "US"

    # Updates: polling or webhook
    update_mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret_token: SecretStr | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=0, le=65535)
    concurrent_updates: int = Field(1, ge=1, le=1024)
    send_rate_per_second: int = Field(29, ge=0)

    # Chat rules and operations
    mask_contact_details: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    _durations = field_validator(
        "auto_complete_after",
        "invoice_ttl",
        "clearance_period",
        "seller_decline_window",
        "mutual_cancel_timeout",
        "review_window",
        "sweep_interval",
        "request_ttl",
        mode="before",
    )(parse_duration)
    _lists = field_validator("admin_ids", "payment_rails", mode="before")(split_csv)

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError("expected a three-letter ISO 4217 code such as USD or EUR")
        return code

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "expected sqlite+aiosqlite:///path.sqlite3 or postgresql+asyncpg://user@host/db"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.price_floor_minor > self.price_ceiling_minor:
            raise ValueError("PRICE_FLOOR_MINOR must not be above PRICE_CEILING_MINOR")
        if self.stars_price_floor > self.stars_price_ceiling:
            raise ValueError("STARS_PRICE_FLOOR must not be above STARS_PRICE_CEILING")
        if not self.payment_rails:
            raise ValueError("PAYMENT_RAILS needs at least one of: stripe, stars")
        if self.update_mode == "webhook" and not (self.webhook_url and self.webhook_secret_token):
            raise ValueError(
                "UPDATE_MODE=webhook needs WEBHOOK_URL and WEBHOOK_SECRET_TOKEN "
                "(Telegram sends the token with every update; others are refused)"
            )
        return self

    @property
    def token(self) -> str | None:
        """The bot token as plain text, or None when it is not set."""
        return self.bot_token.get_secret_value() if self.bot_token else None


CARD_RAIL_WITHOUT_KEY = (
    "TELEGRAM_PROVIDER_TOKEN is set, so the bot takes card payments, but STRIPE_SECRET_KEY is "
    "not: it could never refund them nor pay sellers out. Set STRIPE_SECRET_KEY (Stripe "
    "dashboard, Developers, API keys), or unset TELEGRAM_PROVIDER_TOKEN to take Stars only."
)


def card_rail_problem(settings: Settings) -> str | None:
    """Why the card rail cannot run as configured, or None.

    Not a field validator: each value is valid alone, and the local simulator, the demo and
    the tests run card payments on stand-in gateways that settings know nothing of. Only a
    real start (`python -m bot run`) and `doctor` refuse it.
    """
    card = "stripe" in settings.payment_rails and settings.telegram_provider_token is not None
    return CARD_RAIL_WITHOUT_KEY if card and settings.stripe_secret_key is None else None


def _describe(error: dict[str, Any]) -> str:
    location = "_".join(str(part) for part in error["loc"] if not isinstance(part, int))
    name = location.upper() if location else "SETTINGS"
    message = str(error["msg"]).removeprefix("Value error, ")
    if name == "SETTINGS":
        return f"- {message}"
    return f"- {name}: {message} (got {error.get('input')!r})"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; raise one `ConfigurationError` naming every bad value."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = [_describe(dict(error)) for error in exc.errors()]
        raise ConfigurationError(
            "Gig Broker cannot start because of these settings (environment or .env):\n"
            + "\n".join(lines)
        ) from None
