"""Routes get their button fields decoded and their dependencies injected by parameter; a
parameter the router cannot provide is refused when the bot starts, not when a user taps."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.callbacks import action
from bot.handlers.context import deps_of
from bot.handlers.router import RouteError, Routes
from bot.i18n.catalogs import Translator
from bot.services.orders.tips import TipService
from bot.services.ports import TelegramIdentity
from bot.services.progress import Progress
from tests.unit.test_routes import PRIVATE, USER, _button, _update, build


class Door(StrEnum):
    OPEN = "open"
    SHUT = "shut"


KNOCK = action("knock", door=Door, times=int, loud=bool)


async def test_a_button_route_gets_typed_fields_the_user_the_translator_and_services(
    tmp_path: Path,
) -> None:
    app = build(tmp_path)
    seen: dict[str, Any] = {}
    routes = Routes()

    @routes.button(KNOCK)
    async def knock(
        door: Door,
        times: int,
        loud: bool,
        user: TelegramIdentity,
        _: Translator,
        tips: TipService,
        update: Update,
    ) -> None:
        seen.update(door=door, times=times, loud=loud, user=user.id, tips=tips, update=update)
        seen["text"] = _("Nothing was changed.")

    routes.register(app)
    update = _button(KNOCK.pack(door=Door.SHUT, times=3, loud=True))
    (handler,) = [h for h in app.handlers[0] if h.check_update(update)]
    await handler.callback(update, app.context_types.context.from_update(update, app))
    assert seen["door"] is Door.SHUT and seen["times"] == 3 and seen["loud"] is True
    assert seen["user"] == USER["id"] and isinstance(seen["tips"], TipService)
    assert seen["update"] is update and seen["text"] == "Nothing was changed."


def test_a_parameter_the_router_cannot_provide_fails_at_registration(tmp_path: Path) -> None:
    app = build(tmp_path)
    routes = Routes()

    @routes.button(KNOCK)
    async def knock(door: Door, colour: str) -> None: ...

    with pytest.raises(RouteError, match="colour"):
        routes.register(app)


def test_the_same_action_may_be_declared_twice_but_not_two_on_one_prefix(tmp_path: Path) -> None:
    app = build(tmp_path)
    first, second = Routes(), Routes()

    @first.button(KNOCK)
    async def knock(update: Update) -> None: ...

    @second.button(action("knock", door=Door))
    async def other(update: Update) -> None: ...

    first.register(app)
    with pytest.raises(ValueError, match="registered twice"):
        second.register(app)


async def test_a_message_step_gets_the_progress_and_a_flow_is_declared_once(
    tmp_path: Path,
) -> None:
    app = build(tmp_path)
    seen: dict[str, Any] = {}
    routes = Routes()

    @routes.step("probe")
    async def step(progress: Progress, user: TelegramIdentity) -> None:
        seen.update(data=progress.data, user=user.id)

    routes.register(app)
    update = _update(1, message={"message_id": 1, "date": 0, "chat": PRIVATE, "from": USER})
    context = app.context_types.context.from_update(update, app)
    await deps_of(app).steps["probe"](update, context, Progress("probe", "one", {"n": 1}))
    assert seen == {"data": {"n": 1}, "user": USER["id"]}
    with pytest.raises(RouteError, match="declared twice"):
        routes.register(app)
