"""What keeps routes from overlapping, so the order flows register in does not matter.

Within a PTB handler group the first handler whose `check_update` accepts an update takes it.
The bot keeps every route disjoint instead of relying on that order:

* buttons: each `CallbackAction` has its own prefix and `pattern` (prefixes are unique in
  `Deps.callbacks`), so two actions never match the same data;
* payments: a pre-checkout query or `successful_payment` is routed by its invoice's kind
  (`bot.services.money.invoices`), never by which payment handler is asked first;
* residual routes (`Residual`): the "what nothing else claimed" handlers -- unknown buttons,
  the guided-conversation router for private messages -- claim an update only when no other
  route of their group would, which they check rather than assume from being registered last.

`tests/unit/test_routes.py` probes every registered route and fails when two could take the
same update.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import Message, Update
from telegram.ext import BaseHandler, filters

from bot.handlers.context import AnyApplication, AnyContext
from bot.services.money.invoices import InvoiceKind, invoice_kind


def claims(handler: BaseHandler[Any, Any, Any], update: object) -> bool:
    """Whether `handler` would take `update` (PTB's own test in `Application.process_update`)."""
    check = handler.check_update(update)
    return not (check is None or check is False)


def payload_pattern(kind: InvoiceKind) -> str:
    """A pre-checkout `pattern` for invoices of `kind`."""
    return rf"^{re.escape(kind.value)}(:|$)"


def payload_pattern_except(*kinds: InvoiceKind) -> str:
    """A pre-checkout `pattern` for every invoice not of `kinds` (the order flow answers
    payloads that are none of ours with a clear refusal)."""
    alternatives = "|".join(re.escape(kind.value) for kind in kinds)
    return rf"^(?!(?:{alternatives})(?::|$))"


class PaymentOf(filters.MessageFilter):
    """A `successful_payment` of an invoice of one of `kinds` (or, with `others`, of any kind
    not in `kinds`)."""

    def __init__(self, *kinds: InvoiceKind, others: bool = False) -> None:
        super().__init__(name=f"PaymentOf({', '.join(kinds)}, others={others})")
        self._kinds = frozenset(kinds)
        self._others = others

    def filter(self, message: Message) -> bool:
        paid = message.successful_payment
        if paid is None:
            return False
        inside = invoice_kind(paid.invoice_payload) in self._kinds
        return inside != self._others


class Residual(BaseHandler[Update, AnyContext, Any]):
    """A route for what no other route of its group takes (see the module docstring)."""

    def __init__(self, inner: BaseHandler[Update, AnyContext, Any], app: AnyApplication) -> None:
        super().__init__(inner.callback, block=inner.block)
        self.inner = inner
        self._app = app
        self._group: int | None = None

    def _group_of_self(self) -> int:
        if self._group is None:
            self._group = next(
                group for group, handlers in self._app.handlers.items() if self in handlers
            )
        return self._group

    def check_update(self, update: object) -> Any:
        check = self.inner.check_update(update)
        if check is None or check is False:
            return check
        others = self._app.handlers.get(self._group_of_self(), [])
        if any(not isinstance(h, Residual) and claims(h, update) for h in others):
            return False
        return check

    def collect_additional_context(
        self, context: AnyContext, update: Update, application: Any, check_result: Any
    ) -> None:
        self.inner.collect_additional_context(context, update, application, check_result)
