"""Telegram's payment sheet: pre-checkout query, the bot's answer, the charge, the receipt.

A person paying an invoice makes Telegram send `pre_checkout_query` and wait (10 seconds at
most) for answerPreCheckoutQuery; only on ok=True is the card charged and a
`successful_payment` message delivered from the person in the private chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass
from typing import Any

from telegram_sim.model import Charge, Invoice, User
from telegram_sim.stripe_charge import StripeChargeError, create_charge, fake_charge_id
from telegram_sim.world import World

STARS = "XTR"


@dataclass(frozen=True)
class PaymentResult:
    """What the person saw: success with the charge ids, or the error shown on the sheet."""

    ok: bool
    error_message: str | None = None
    telegram_payment_charge_id: str | None = None
    provider_payment_charge_id: str | None = None
    message: dict[str, Any] | None = None
    pre_checkout_query_id: str | None = None


def order_info(user: User, need_fields: tuple[str, ...]) -> dict[str, Any]:
    """Made-up order details for the fields the invoice asked for."""
    info: dict[str, Any] = {}
    if "need_name" in need_fields:
        info["name"] = user.first_name
    if "need_email" in need_fields:
        info["email"] = f"{user.username or user.id}@example.com"
    if "need_phone_number" in need_fields:
        info["phone_number"] = "15550100"
    return info


async def pay(world: World, user: User, invoice: Invoice) -> PaymentResult:
    """Run the whole sheet for `user` paying `invoice`."""
    query_id = world.new_query_id()
    query: dict[str, Any] = {
        "id": query_id,
        "from": user.to_api(),
        "currency": invoice.currency,
        "total_amount": invoice.total_amount,
        "invoice_payload": invoice.payload,
    }
    info = order_info(user, invoice.need_fields)
    if info:
        query["order_info"] = info
    future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    world.answers[query_id] = future
    await world.updates.push("pre_checkout_query", query)
    try:
        answer = await asyncio.wait_for(future, world.options.pre_checkout_timeout)
    except TimeoutError:
        return PaymentResult(False, "Bot didn't respond in time", pre_checkout_query_id=query_id)
    finally:
        with contextlib.suppress(KeyError):
            del world.answers[query_id]
    if not answer["ok"]:
        return PaymentResult(False, answer.get("error_message"), pre_checkout_query_id=query_id)
    try:
        provider_id = await _provider_charge(world, invoice, user)
    except StripeChargeError as exc:
        return PaymentResult(False, f"Payment failed: {exc}", pre_checkout_query_id=query_id)
    return await _deliver_receipt(world, user, invoice, info, provider_id, query_id)


async def _provider_charge(world: World, invoice: Invoice, user: User) -> str:
    if invoice.currency == STARS:
        return ""
    base, key = world.options.stripe_api_base, world.options.stripe_secret_key
    if base and key:
        description = f"Telegram payment by {user.id}: {invoice.title}"
        return await create_charge(base, key, invoice.total_amount, invoice.currency, description)
    return fake_charge_id()


async def _deliver_receipt(
    world: World,
    user: User,
    invoice: Invoice,
    info: dict[str, Any],
    provider_id: str,
    query_id: str,
) -> PaymentResult:
    number = world.next("charge")
    prefix = "stxsim" if invoice.currency == STARS else "tgsim"
    telegram_id = f"{prefix}_{number}_{secrets.token_hex(8)}"
    payment: dict[str, Any] = {
        "currency": invoice.currency,
        "total_amount": invoice.total_amount,
        "invoice_payload": invoice.payload,
        "telegram_payment_charge_id": telegram_id,
        "provider_payment_charge_id": provider_id,
    }
    if info:
        payment["order_info"] = info
    world.charges[telegram_id] = Charge(
        telegram_payment_charge_id=telegram_id,
        provider_payment_charge_id=provider_id,
        user_id=user.id,
        currency=invoice.currency,
        total_amount=invoice.total_amount,
        payload=invoice.payload,
    )
    if invoice.currency == STARS:
        world.star_transactions.append(
            {
                "id": telegram_id,
                "amount": invoice.total_amount,
                "date": world.date(),
                "source": {
                    "type": "user",
                    "transaction_type": "invoice_payment",
                    "user": user.to_api(),
                    "invoice_payload": invoice.payload,
                },
            }
        )
    chat = world.chats[user.id]
    message = await world.post_user_message(chat, user, {"successful_payment": payment})
    return PaymentResult(
        True,
        telegram_payment_charge_id=telegram_id,
        provider_payment_charge_id=provider_id,
        message=message,
        pre_checkout_query_id=query_id,
    )
