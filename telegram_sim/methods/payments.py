"""Invoices, invoice links, pre-checkout answers and Star refunds."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from telegram_sim.errors import QUERY_TOO_OLD, bad_request
from telegram_sim.markup import inline_buttons, validate_reply_markup
from telegram_sim.methods.common import Handler, writable_chat
from telegram_sim.model import Invoice
from telegram_sim.world import World

STARS = "XTR"
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
NEED_FIELDS = ("need_name", "need_phone_number", "need_email", "need_shipping_address")


def build_invoice(params: dict[str, Any]) -> Invoice:
    """Check an invoice as Telegram does: lengths, prices, provider token, Stars rules."""
    title, description, payload = params["title"], params["description"], params["payload"]
    if not 1 <= len(title) <= 32:
        raise bad_request("INVOICE_TITLE_INVALID: title must be 1-32 characters")
    if not 1 <= len(description) <= 255:
        raise bad_request("INVOICE_DESCRIPTION_INVALID: description must be 1-255 characters")
    if not 1 <= len(payload.encode("utf-8")) <= 128:
        raise bad_request("INVOICE_PAYLOAD_INVALID: payload must be 1-128 bytes")
    currency = params["currency"]
    if not _CURRENCY_RE.match(currency):
        raise bad_request("CURRENCY_INVALID")
    prices = params["prices"]
    if not prices:
        raise bad_request("PRICES_EMPTY: prices must be non-empty")
    for price in prices:
        label, amount = price.get("label"), price.get("amount")
        if not isinstance(label, str) or not label:
            raise bad_request("can't parse prices JSON object: label must be a non-empty String")
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise bad_request("can't parse prices JSON object: amount must be an Integer")
    provider_token = params.get("provider_token", "")
    if currency == STARS:
        if len(prices) != 1:
            raise bad_request("STARS_INVOICE_INVALID: exactly one price is allowed for XTR")
        if provider_token:
            raise bad_request("PAYMENT_PROVIDER_INVALID: provider_token must be empty for XTR")
    elif not provider_token:
        raise bad_request("PAYMENT_PROVIDER_INVALID")
    invoice = Invoice(
        title=title,
        description=description,
        payload=payload,
        currency=currency,
        prices=prices,
        provider_token=provider_token,
        start_parameter=params.get("start_parameter", ""),
        need_fields=tuple(f for f in NEED_FIELDS if params.get(f)),
    )
    if invoice.total_amount <= 0:
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    return invoice


async def send_invoice(world: World, params: dict[str, Any]) -> dict[str, Any]:
    """sendInvoice: a message with `invoice`; the first button (if any) must be a pay button."""
    invoice = build_invoice(params)
    markup = validate_reply_markup(params.get("reply_markup"))
    buttons = inline_buttons(markup)
    if buttons and not buttons[0].get("pay"):
        raise bad_request("first button of an invoice keyboard must be a pay button")
    chat = writable_chat(world, params)
    content = {
        "invoice": {
            "title": invoice.title,
            "description": invoice.description,
            "start_parameter": invoice.start_parameter,
            "currency": invoice.currency,
            "total_amount": invoice.total_amount,
        }
    }
    message = await world.post_bot_message(chat, content, params)
    world.invoices[(chat.id, message["message_id"])] = invoice
    return message


async def create_invoice_link(world: World, params: dict[str, Any]) -> str:
    """createInvoiceLink: a t.me/$... link a person can pay with `pay_link`."""
    invoice = build_invoice(params)
    link = f"https://t.me/${secrets.token_urlsafe(12)}"
    invoice.link = link
    world.invoice_links[link] = invoice
    return link


async def answer_pre_checkout_query(world: World, params: dict[str, Any]) -> bool:
    """answerPreCheckoutQuery: resolves the payment sheet waiting for it."""
    query_id = params["pre_checkout_query_id"]
    future = world.answers.get(query_id)
    if future is None or future.done():
        raise bad_request(QUERY_TOO_OLD)
    if not params["ok"] and not params.get("error_message"):
        raise bad_request("error_message is empty")
    future.set_result(params)
    return True


async def refund_star_payment(world: World, params: dict[str, Any]) -> bool:
    """refundStarPayment: once per charge."""
    charge = world.charges.get(params["telegram_payment_charge_id"])
    if charge is None or charge.currency != STARS or charge.user_id != params["user_id"]:
        raise bad_request("CHARGE_NOT_FOUND")
    if charge.refunded:
        raise bad_request("CHARGE_ALREADY_REFUNDED")
    charge.refunded = True
    world.star_refunds.append(charge)
    user = world.users.get(charge.user_id)
    world.star_transactions.append(
        {
            "id": charge.telegram_payment_charge_id,  # a refund keeps its payment's id
            "amount": charge.total_amount,
            "date": world.date(),
            "receiver": {
                "type": "user",
                "transaction_type": "invoice_payment",
                "user": user.to_api() if user else {"id": charge.user_id, "is_bot": False,
                                                     "first_name": str(charge.user_id)},
            },
        }
    )  # fmt: skip
    return True


async def get_star_transactions(world: World, params: dict[str, Any]) -> dict[str, Any]:
    """getStarTransactions: the bot's Stars transactions in chronological order, paged by
    `offset` (how many to skip) and `limit` (1-100, default 100)."""
    offset = params.get("offset", 0)
    limit = params.get("limit", 100)
    if offset < 0:
        raise bad_request("offset must be non-negative")
    if not 1 <= limit <= 100:
        raise bad_request("limit must be between 1 and 100")
    return {"transactions": [dict(t) for t in world.star_transactions[offset : offset + limit]]}


HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        "sendInvoice": send_invoice,
        "createInvoiceLink": create_invoice_link,
        "answerPreCheckoutQuery": answer_pre_checkout_query,
        "refundStarPayment": refund_star_payment,
        "getStarTransactions": get_star_transactions,
    }
)
