"""The one error a simulated Bot API method raises: Telegram's error reply, ready to serialise."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API failure with Telegram's code, description and optional `parameters`.

    Method implementations raise it anywhere; the HTTP layer turns it into
    ``{"ok": false, "error_code": ..., "description": ..., "parameters": ...}`` with the same
    HTTP status, which is what python-telegram-bot maps to BadRequest, Forbidden, RetryAfter...
    """

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        """Telegram's error body."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str, parameters: dict[str, Any] | None = None) -> ApiError:
    """400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}", parameters)


def forbidden(detail: str) -> ApiError:
    """403 with Telegram's "Forbidden: " prefix."""
    return ApiError(403, f"Forbidden: {detail}")


QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
