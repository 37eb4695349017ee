"""Logging set-up: plain text or JSON lines, with secrets redacted from every record.

JSON records carry `update_id` and `order_id` when the code that logs passes them in `extra`,
so one deal can be followed across replicas. Tokens, Stripe keys and card numbers are removed
from the message and the arguments before anything is written, whatever logged them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.ops.log_context import UpdateContextFilter

CONTEXT_FIELDS = ("update_id", "order_id", "gig_id", "chat_id")

_PATTERNS = (
    re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"),  # Telegram bot tokens
    re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9_]+\b"),  # Stripe keys
    re.compile(r"\bwhsec_[A-Za-z0-9_]+\b"),  # Stripe webhook secrets
    re.compile(r"\b(?:\d[ -]?){13,19}\b"),  # card numbers
)
REDACTED = "[redacted]"
#: The password of a URL (`scheme://user:password@host`), whatever the scheme.
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*):[^@\s/]+@")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)


class RedactingFilter(logging.Filter):
    """Renders each record's message once, redacted, so no formatter can leak a secret."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self._secrets)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(
                logging.Formatter().formatException(record.exc_info), self._secrets
            )
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str, secrets: Iterable[str] = ()) -> None:
    """Replace the root handlers with one stream handler in the chosen format."""
    handler = logging.StreamHandler()
    handler.addFilter(UpdateContextFilter())
    handler.addFilter(RedactingFilter(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
