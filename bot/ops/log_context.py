"""The update being handled, attached to every log record written while handling it.

`claim_update` sets it as handling starts; the logging filter copies it into each record, so
JSON logs carry `update_id` without every call site passing it.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

CURRENT_UPDATE: ContextVar[int | None] = ContextVar("gigbroker_update_id", default=None)


class UpdateContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "update_id", None) is None:
            record.update_id = CURRENT_UPDATE.get()
        return True
