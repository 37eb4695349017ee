"""No two routes can take the same update, so the order flows register in does not matter.

The Application is built by `bootstrap()` exactly as in production; then every registered
route is probed: callback data generated from each button pattern (hypothesis), every command
in a private and a group chat, payments of each invoice kind and of none, and the other kinds
of message and update the bot listens to. In every handler group at most one route may claim a
probe (PTB would otherwise give it to whichever was registered first), and a probe goes to the
same callback whatever order the feature modules register in.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Bot, Update, User
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

import bot.app
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.handlers.context import AnyApplication
from bot.handlers.routing import Residual, claims
from bot.handlers.updates import FIRST_GROUP, LAST_GROUP

USER = {"id": 501, "is_bot": False, "first_name": "Probe"}
PRIVATE = {"id": 501, "type": "private", "first_name": "Probe"}
GROUP = {"id": -100501, "type": "supergroup", "title": "Probe group"}
#: Groups whose routes see every update on purpose (claiming, then finishing it).
BOOKENDS = (FIRST_GROUP, LAST_GROUP)


def _probe_bot() -> Bot:
    """A Bot that knows its name without asking Telegram (command routes compare it)."""
    probe = Bot("1:probe")
    probe._bot_user = User(9, "Probe bot", is_bot=True, username="probe_bot")
    return probe


PROBE_BOT = _probe_bot()


def build(tmp: Path, modules: Sequence[Any] | None = None) -> AnyApplication:
    values = {"bot_token": "1:probe", "database_url": f"sqlite+aiosqlite:///{tmp / 'r.db'}"}
    settings = Settings(_env_file=None, **values)  # type: ignore[arg-type]
    if modules is None:
        return bootstrap(settings, migrate_on_start=False)
    saved = bot.app.HANDLER_MODULES
    bot.app.HANDLER_MODULES = tuple(modules)
    try:
        return bootstrap(settings, migrate_on_start=False)
    finally:
        bot.app.HANDLER_MODULES = saved


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> AnyApplication:
    return build(tmp_path_factory.mktemp("routes"))


def _update(n: int, **kind: Any) -> Update:
    update = Update.de_json({"update_id": n, **kind}, PROBE_BOT)
    assert update is not None
    return update


def _message(chat: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"message_id": 1, "date": 0, "chat": chat, "from": USER, **fields}


def _command(name: str, chat: dict[str, Any]) -> Update:
    text = f"/{name}"
    entity = {"type": "bot_command", "offset": 0, "length": len(text)}
    return _update(1, message=_message(chat, text=text, entities=[entity]))


def _button(data: str) -> Update:
    query = {"id": "q", "from": USER, "chat_instance": "c", "data": data}
    query["message"] = _message(PRIVATE, text="menu")
    return _update(1, callback_query=query)


def _paid(payload: str) -> Update:
    paid = {
        "currency": "EUR",
        "total_amount": 100,
        "invoice_payload": payload,
        "telegram_payment_charge_id": "t",
        "provider_payment_charge_id": "p",
    }
    return _update(1, message=_message(PRIVATE, successful_payment=paid))


def _pre_checkout(payload: str) -> Update:
    query = {"id": "p", "from": USER, "currency": "EUR", "total_amount": 100}
    return _update(1, pre_checkout_query={**query, "invoice_payload": payload})


PAYLOADS = ("order:7", "tip:7:300", "gift:7", "", "order", "tip")


def _other_probes() -> Iterator[tuple[str, Update]]:
    for payload in PAYLOADS:
        yield f"pre_checkout {payload!r}", _pre_checkout(payload)
        yield f"successful_payment {payload!r}", _paid(payload)
    refund = {"currency": "EUR", "total_amount": 100, "invoice_payload": "order:7"}
    refund["telegram_payment_charge_id"] = "t"
    yield "refunded_payment", _update(1, message=_message(PRIVATE, refunded_payment=refund))
    yield "private text", _update(1, message=_message(PRIVATE, text="hello"))
    yield "group text", _update(1, message=_message(GROUP, text="hello"))
    photo = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    yield "private photo", _update(1, message=_message(PRIVATE, photo=photo))
    document = {"file_id": "f", "file_unique_id": "u", "file_name": "brief.pdf"}
    yield "private document", _update(1, message=_message(PRIVATE, document=document))
    yield "migration", _update(1, message=_message(GROUP, migrate_to_chat_id=-100502))
    member = {"status": "member", "user": {"id": 9, "is_bot": True, "first_name": "Bot"}}
    left = {**member, "status": "left"}
    change = {"chat": GROUP, "from": USER, "date": 0, "old_chat_member": member}
    change["new_chat_member"] = left
    yield "my_chat_member", _update(1, my_chat_member=change)
    yield (
        "inline query",
        _update(1, inline_query={"id": "i", "from": USER, "query": "logo", "offset": ""}),
    )
    chosen = {"result_id": "r", "from": USER, "query": "logo"}
    yield "chosen inline result", _update(1, chosen_inline_result=chosen)


def _routes(app: AnyApplication) -> Iterator[tuple[int, BaseHandler[Any, Any, Any]]]:
    for group, handlers in app.handlers.items():
        if group not in BOOKENDS:
            yield from ((group, handler) for handler in handlers)


def _takers(app: AnyApplication, update: Update) -> dict[int, list[BaseHandler[Any, Any, Any]]]:
    found: dict[int, list[BaseHandler[Any, Any, Any]]] = {}
    for group, handler in _routes(app):
        if claims(handler, update):
            found.setdefault(group, []).append(handler)
    return found


def _name(handler: BaseHandler[Any, Any, Any]) -> str:
    inner = handler.inner if isinstance(handler, Residual) else handler
    callback = inner.callback
    return f"{callback.__module__}.{callback.__qualname__}"


def _assert_one_taker(app: AnyApplication, label: str, update: Update) -> None:
    for group, takers in _takers(app, update).items():
        assert len(takers) == 1, (
            f"{label}: routes {[_name(h) for h in takers]} of group {group} all take it"
        )


def _patterns(app: AnyApplication) -> list[str]:
    found = []
    for _group, handler in _routes(app):
        if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            pattern = handler.pattern
            assert hasattr(pattern, "pattern"), f"{_name(handler)}: a button route by regex only"
            found.append(str(pattern.pattern))
    return found


def test_every_button_route_but_the_residual_one_has_a_pattern(app: AnyApplication) -> None:
    for _group, handler in _routes(app):
        if isinstance(handler, CallbackQueryHandler):
            assert handler.pattern is not None, f"{_name(handler)} would take every button"
    assert _patterns(app)


def test_button_data_of_every_route_goes_to_exactly_one(app: AnyApplication) -> None:
    patterns = _patterns(app)

    @settings(
        max_examples=40 * len(patterns),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        deadline=None,
    )
    @given(
        st.sampled_from(patterns).flatmap(
            lambda p: st.from_regex(p, alphabet=st.characters(codec="utf-8"))
        )
    )
    def check(data: str) -> None:
        _assert_one_taker(app, f"button {data!r}", _button(data))

    check()


def test_no_command_is_taken_twice(app: AnyApplication) -> None:
    commands = {
        command
        for _group, handler in _routes(app)
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }
    assert {"start", "help", "cancel", "payouts"} <= commands
    for command in sorted(commands):
        for chat in (PRIVATE, GROUP):
            _assert_one_taker(app, f"/{command} in a {chat['type']} chat", _command(command, chat))


@pytest.mark.parametrize("label", [label for label, _ in _other_probes()])
def test_other_updates_go_to_at_most_one_route(app: AnyApplication, label: str) -> None:
    update = dict(_other_probes())[label]
    _assert_one_taker(app, label, update)


def test_payments_are_routed_by_invoice_kind(app: AnyApplication) -> None:
    def taker(update: Update) -> str:
        (handlers,) = _takers(app, update).values()
        return _name(handlers[0])

    assert taker(_paid("tip:7:300")).endswith("successful_tip")
    assert taker(_paid("order:7")).endswith("successful_payment")
    assert taker(_paid("gift:7")).endswith("successful_payment")  # refused there, clearly
    assert taker(_pre_checkout("tip:7:300")).startswith("bot.handlers.orders.tips.")
    assert taker(_pre_checkout("order:7")).startswith("bot.handlers.orders.payments.")


def _probe_table(app: AnyApplication) -> dict[str, list[str]]:
    probes = dict(_other_probes())
    for pattern in _patterns(app):
        literal = pattern.removeprefix("^").split("(")[0].rstrip("$").replace("\\", "")
        probes[f"button {literal}"] = _button(literal + ":1")
        probes[f"button {literal} exact"] = _button(literal)
    probes["unknown button"] = _button("zz:1")
    return {
        label: sorted(_name(h) for takers in _takers(app, update).values() for h in takers)
        for label, update in probes.items()
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_registration_order_does_not_change_where_updates_go(
    app: AnyApplication, tmp_path: Path, seed: int
) -> None:
    modules = list(bot.app.HANDLER_MODULES)
    random.Random(seed).shuffle(modules)
    shuffled = build(tmp_path, modules)
    assert _probe_table(shuffled) == _probe_table(app)
