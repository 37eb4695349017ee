"""Invoice payloads: the order's invoice and a tip's, through the one callback codec.

An invoice's payload comes back to us in the pre-checkout query and the `successful_payment`
(and in Stripe's metadata for reconcile), so it is data a user hands back, like a button:
it is packed and unpacked by `bot.callbacks` and its kind is its prefix. Which flow takes a
payment is decided by that kind (`invoice_kind`), never by which handler happens to be asked
first. The text format is the one the bot has always written (`order:<id>`,
`tip:<order>:<amount minor>`), so invoices already sent keep paying into the right place.
"""

from __future__ import annotations

from enum import StrEnum

from bot.callbacks import SEPARATOR, ForgedCallback, action
from bot.errors import NotFound
from bot.i18n.markers import N_

ORDER_INVOICE = action("order", order=int)
TIP_INVOICE = action("tip", order=int, amount=int)


class InvoiceKind(StrEnum):
    """What an invoice pays for; the value is the payload's prefix."""

    ORDER = ORDER_INVOICE.prefix
    TIP = TIP_INVOICE.prefix


def invoice_kind(payload: str) -> InvoiceKind | None:
    """The kind of an invoice payload by its prefix alone; None when it is none of ours."""
    try:
        return InvoiceKind(payload.split(SEPARATOR, 1)[0])
    except ValueError:
        return None


def _not_ours() -> NotFound:
    return NotFound(N_("This invoice is not one of ours."))


def order_payload(order_id: int) -> str:
    return ORDER_INVOICE.pack(order=order_id)


def parse_order_payload(payload: str) -> int:
    """The order id of an order invoice; NotFound for anything else."""
    try:
        order_id = int(ORDER_INVOICE.unpack(payload)["order"])
    except ForgedCallback:
        raise _not_ours() from None
    if order_id < 0:
        raise _not_ours()
    return order_id


def tip_payload(order_id: int, amount_minor: int) -> str:
    return TIP_INVOICE.pack(order=order_id, amount=amount_minor)


def parse_tip_payload(payload: str) -> tuple[int, int]:
    """(order id, amount in minor units) of a tip invoice; NotFound for anything else."""
    try:
        values = TIP_INVOICE.unpack(payload)
    except ForgedCallback:
        raise _not_ours() from None
    order_id, amount = int(values["order"]), int(values["amount"])
    if order_id < 0 or amount < 0:
        raise _not_ours()
    return order_id, amount
