"""answerInlineQuery: at most 50 results with unique 1-64 byte ids; resolves the person's query."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from telegram_sim.errors import QUERY_TOO_OLD, bad_request
from telegram_sim.markup import validate_reply_markup
from telegram_sim.methods.common import Handler
from telegram_sim.world import World

MAX_RESULTS = 50


def validate_results(results: list[Any]) -> None:
    """Telegram's checks on the result list."""
    if len(results) > MAX_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        if not isinstance(result, dict) or "type" not in result:
            raise bad_request("can't parse InlineQueryResult JSON object")
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode("utf-8")) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        validate_reply_markup(result.get("reply_markup"))


async def answer_inline_query(world: World, params: dict[str, Any]) -> bool:
    """answerInlineQuery."""
    query_id = params["inline_query_id"]
    future = world.answers.get(query_id)
    if future is None or future.done():
        raise bad_request(QUERY_TOO_OLD)
    validate_results(params["results"])
    if len(params.get("next_offset", "").encode("utf-8")) > 64:
        raise bad_request("NEXT_OFFSET_INVALID")
    future.set_result(params)
    return True


HANDLERS: Mapping[str, Handler] = MappingProxyType({"answerInlineQuery": answer_inline_query})
