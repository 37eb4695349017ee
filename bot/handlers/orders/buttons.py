"""The buttons of an order after payment, declared once with the one callback codec.

Why one module: notifications (rendered by the outbox, `order_notices`), the order view and
the flows that answer each button all need the same actions; declaring them here avoids import
cycles between those modules. Every flow still checks in its service that the tapping user is
the order's buyer, seller or an operator, so a forged button gets a refusal, not an effect.
"""

from __future__ import annotations

from enum import StrEnum

from bot.callbacks import CallbackAction, action
from bot.handlers.context import AnyApplication, deps_of

# delivery (seller) and the buyer's answer
DELIVER_START = action("dlv", order=int)
DELIVER_SEND = action("dlvs", order=int)
APPROVE = action("oapr", order=int)
REVISION = action("orev", order=int)
# the order view and chat
MY_ORDERS = action("olist", seller=bool)
ORDER_OPEN = action("oopen", order=int)
HISTORY = action("ohist", order=int)
CHAT = action("ochat", order=int)
# cancellation and more time
CANCEL_START = action("ocst", order=int)
CANCEL_LATE = action("oclt", order=int)
MUTUAL_CANCEL = action("omc", order=int)
MUTUAL_ANSWER = action("omca", order=int, yes=bool)
EXTENSION_ASK = action("oxt", order=int)
EXTENSION_DAYS = action("oxtd", order=int, days=int)
EXTENSION_ANSWER = action("oxta", order=int, yes=bool)
# disputes
DISPUTE_OPEN = action("odsp", order=int)
DISPUTE_SUBMIT = action("odsps", order=int)


class Outcome(StrEnum):
    """How an operator resolves a dispute (an outcome the bot never wrote is refused)."""

    RELEASE = "release"
    REFUND = "refund"
    SPLIT = "split"


RESOLVE = action("dres", order=int, outcome=Outcome)
# reviews
RATE = action("orate", order=int, stars=int)
REVIEW_SKIP = action("orsk", order=int)
# tips after completion
TIP = action("otip", order=int)
TIP_AMOUNT = action("otipa", order=int, amount=int)
TIP_CUSTOM = action("otipc", order=int)

ACTIONS: tuple[CallbackAction, ...] = (
    DELIVER_START,
    DELIVER_SEND,
    APPROVE,
    REVISION,
    MY_ORDERS,
    ORDER_OPEN,
    HISTORY,
    CHAT,
    CANCEL_START,
    CANCEL_LATE,
    MUTUAL_CANCEL,
    MUTUAL_ANSWER,
    EXTENSION_ASK,
    EXTENSION_DAYS,
    EXTENSION_ANSWER,
    DISPUTE_OPEN,
    DISPUTE_SUBMIT,
    RESOLVE,
    RATE,
    REVIEW_SKIP,
    TIP,
    TIP_AMOUNT,
    TIP_CUSTOM,
)


def register(app: AnyApplication) -> None:
    """Claim the prefixes (the flows add the handlers that answer them)."""
    registry = deps_of(app).callbacks
    for item in ACTIONS:
        registry.register(item)
