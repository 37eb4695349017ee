"""Routes declared per feature, with their arguments decoded and their dependencies injected.

A feature declares its routes in one place, a module-level `Routes`:

    routes = Routes()

    @routes.button(PO)
    async def on_button(op: PayoutOp, user: TelegramIdentity, _: Translator,
                        onboarding: ConnectOnboarding, update: Update) -> None: ...

    @routes.command("payouts", filters.ChatType.PRIVATE)
    async def payouts(update: Update, _: Translator, payouts: PayoutService) -> None: ...

and `routes.register(app)` adds them to the Application. A handler asks for what it needs by
parameter (resolved once, at registration, from the type hints):

* a field of the button's `CallbackAction`, by name: the decoded, typed value (an unknown enum
  value or forged data never gets here: the codec refuses it with `ForgedCallback`);
* `update: Update`, `context: AnyContext`;
* a `Translator`: the catalog of the user's language;
* a `TelegramIdentity`: the acting user as the services know users;
* a `ProgressStore` (the guided conversations' state) or the whole `Deps` (rarely needed);
* in a message step (`routes.step(flow)`), the user's `Progress`;
* in a deep link (`routes.deep_link(prefix)`), `rest`: the text after the prefix;
* a service class the composition root built (`Deps.services`): that instance.

Anything else fails at registration, so a typo is found when the bot starts, not when a user
taps. Which update a route takes is still decided by the route's pattern or filter; the
patterns are disjoint (`bot.handlers.routing`, `tests/unit/test_routes.py`).
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)

from bot.callbacks import CallbackAction
from bot.handlers.context import AnyApplication, AnyContext, Deps, deps, deps_of, translator
from bot.handlers.replies import identity
from bot.handlers.routing import PaymentOf, payload_pattern, payload_pattern_except
from bot.i18n.catalogs import Translator
from bot.services.money.invoices import InvoiceKind
from bot.services.ports import TelegramIdentity
from bot.services.progress import Progress, ProgressStore

Handler = Callable[..., Awaitable[None]]
#: How one argument is obtained: from the update, the context and the decoded button fields.
Provider = Callable[[Update, AnyContext, dict[str, Any]], Any]
PTBHandler = BaseHandler[Update, AnyContext, Any]
Callback = Callable[[Update, AnyContext], Coroutine[Any, Any, None]]


#: Where a message step's `Progress` travels among the decoded values (not a field name).
_PROGRESS = "progress:"


class RouteError(TypeError):
    """A programming error in a route's declaration (found at registration)."""


def _field(name: str) -> Provider:
    return lambda u, c, v: v[name]


def _service(kind: type[Any]) -> Provider:
    return lambda u, c, v: deps(c).service(kind)


def _providers(
    handler: Handler, fields: tuple[str, ...], services: dict[type[Any], Any]
) -> dict[str, Provider]:
    hints = typing.get_type_hints(handler)
    providers: dict[str, Provider] = {}
    for name in inspect.signature(handler).parameters:
        hint = hints.get(name)
        if name in fields:
            providers[name] = _field(name)
        elif name == "update" or hint is Update:
            providers[name] = lambda u, c, v: u
        elif name == "context":
            providers[name] = lambda u, c, v: c
        elif hint is Translator:
            providers[name] = lambda u, c, v: translator(u, c)
        elif hint is TelegramIdentity:
            providers[name] = lambda u, c, v: identity(u)
        elif hint is Progress:
            providers[name] = lambda u, c, v: v[_PROGRESS]
        elif hint is ProgressStore:
            providers[name] = lambda u, c, v: deps(c).progress
        elif hint is Deps:
            providers[name] = lambda u, c, v: deps(c)
        elif isinstance(hint, type) and hint in services:
            providers[name] = _service(hint)
        else:
            where = f"{handler.__module__}.{handler.__qualname__}"
            raise RouteError(f"{where}: cannot provide parameter {name!r} ({hint!r})")
    return providers


@dataclass(frozen=True)
class _Route:
    handler: Handler
    #: builds the PTB handler around the injecting callback
    make: Callable[[Callback], PTBHandler]
    action: CallbackAction | None = None
    #: a message step of this guided-conversation flow (routed by `conversation.py`)
    flow: str | None = None
    #: a `t.me/<bot>?start=<prefix>_<rest>` deep link of this prefix (dispatched by /start)
    link: str | None = None


def _no_ptb_handler(callback: Callback) -> PTBHandler:
    raise AssertionError("a message step has no PTB handler of its own")


@dataclass
class Routes:
    """One feature's routes (see the module docstring)."""

    routes: list[_Route] = field(default_factory=list)

    def _add(
        self,
        make: Callable[[Callback], PTBHandler],
        action: CallbackAction | None = None,
    ) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self.routes.append(_Route(handler, make, action))
            return handler

        return decorate

    def button(self, action: CallbackAction, **fixed: Any) -> Callable[[Handler], Handler]:
        """Taps on `action`'s buttons; its fields are decoded into the handler's arguments.

        With `fixed` (every field given), only the one button with those values: how several
        features each take one entry of a shared menu."""
        pattern = action.pattern
        if fixed:
            pattern = rf"^{re.escape(action.pack(**fixed))}$"
        return self._add(lambda cb: CallbackQueryHandler(cb, pattern=pattern), action)

    def command(
        self, name: str, chats: filters.BaseFilter | None = None
    ) -> Callable[[Handler], Handler]:
        return self._add(lambda cb: CommandHandler(name, cb, filters=chats))

    def message(self, which: filters.BaseFilter) -> Callable[[Handler], Handler]:
        return self._add(lambda cb: MessageHandler(which, cb))

    def my_chat_member(self) -> Callable[[Handler], Handler]:
        """Changes of the bot's own membership in a chat (added, removed, promoted)."""
        return self._add(lambda cb: ChatMemberHandler(cb, ChatMemberHandler.MY_CHAT_MEMBER))

    def inline_query(self) -> Callable[[Handler], Handler]:
        return self._add(lambda cb: InlineQueryHandler(cb))

    def pre_checkout(
        self, kind: InvoiceKind, *, also_unknown: bool = False
    ) -> Callable[[Handler], Handler]:
        """Pre-checkout queries of invoices of `kind` (routed by payload kind, not by order);
        with `also_unknown`, also payloads of no kind of ours (for the route that refuses them
        clearly -- one route of the bot may say so)."""
        others = tuple(k for k in InvoiceKind if k != kind)
        pattern = payload_pattern_except(*others) if also_unknown else payload_pattern(kind)
        return self._add(lambda cb: PreCheckoutQueryHandler(cb, pattern=pattern))

    def payment(
        self, kind: InvoiceKind, *, also_unknown: bool = False
    ) -> Callable[[Handler], Handler]:
        """`successful_payment` messages of invoices of `kind` (`also_unknown` as above)."""
        others = tuple(k for k in InvoiceKind if k != kind)
        which = PaymentOf(*others, others=True) if also_unknown else PaymentOf(kind)
        return self._add(lambda cb: MessageHandler(which, cb))

    def step(self, flow: str) -> Callable[[Handler], Handler]:
        """Private messages of users whose conversation progress names `flow` (the one
        conversation router dispatches them; the handler may ask for the `Progress`)."""

        def decorate(handler: Handler) -> Handler:
            self.routes.append(_Route(handler, _no_ptb_handler, flow=flow))
            return handler

        return decorate

    def deep_link(self, prefix: str) -> Callable[[Handler], Handler]:
        """`/start <prefix>_<rest>` (dispatched by /start); the handler may ask for `rest: str`,
        the text after the prefix, unchecked: the handler parses it."""

        def decorate(handler: Handler) -> Handler:
            self.routes.append(_Route(handler, _no_ptb_handler, link=prefix))
            return handler

        return decorate

    def register(self, app: AnyApplication) -> None:
        dependencies = deps_of(app)
        for route in self.routes:
            if route.link is not None:
                if route.link in dependencies.deep_links:
                    raise RouteError(f"deep link prefix {route.link!r} declared twice")
                providers = _providers(route.handler, ("rest",), dependencies.services)
                dependencies.deep_links[route.link] = _injecting_link(route, providers)
                continue
            if route.flow is not None:
                if route.flow in dependencies.steps:
                    raise RouteError(f"message steps of flow {route.flow!r} declared twice")
                providers = _providers(route.handler, (), dependencies.services)
                dependencies.steps[route.flow] = _injecting_step(route, providers)
                continue
            fields: tuple[str, ...] = ()
            if route.action is not None:
                dependencies.callbacks.register(route.action)
                fields = tuple(name for name, _ in route.action.fields)
            providers = _providers(route.handler, fields, dependencies.services)
            app.add_handler(route.make(_injecting(route, providers)))


def _injecting_step(
    route: _Route, providers: dict[str, Provider]
) -> Callable[[Update, AnyContext, Progress], Coroutine[Any, Any, None]]:
    handler = route.handler

    async def call(update: Update, context: AnyContext, progress: Progress) -> None:
        values = {_PROGRESS: progress}
        await handler(**{name: get(update, context, values) for name, get in providers.items()})

    call.__name__ = handler.__name__
    call.__qualname__ = handler.__qualname__
    call.__module__ = handler.__module__
    return call


def _injecting_link(
    route: _Route, providers: dict[str, Provider]
) -> Callable[[Update, AnyContext, str], Coroutine[Any, Any, None]]:
    handler = route.handler

    async def call(update: Update, context: AnyContext, rest: str) -> None:
        values = {"rest": rest}
        await handler(**{name: get(update, context, values) for name, get in providers.items()})

    call.__name__ = handler.__name__
    call.__qualname__ = handler.__qualname__
    call.__module__ = handler.__module__
    return call


def _injecting(route: _Route, providers: dict[str, Provider]) -> Callback:
    action, handler = route.action, route.handler

    async def call(update: Update, context: AnyContext) -> None:
        values: dict[str, Any] = {}
        if action is not None:
            query = update.callback_query
            values = action.unpack(query.data or "" if query is not None else "")
        await handler(**{name: get(update, context, values) for name, get in providers.items()})

    call.__name__ = handler.__name__
    call.__qualname__ = handler.__qualname__
    call.__module__ = handler.__module__
    return call
