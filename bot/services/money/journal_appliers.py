"""What each kind of payment journal row means: the service call that books it.

The rows hold what the provider sent (a Telegram `successful_payment` as a dict beside the
payer's id, a Stripe event body), so a row stored by an older version can still be applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.payments.webhooks import StripeEvent
from bot.services.money.journal import (
    ORDER_PAYMENT,
    STRIPE_EVENT,
    TELEGRAM,
    TELEGRAM_REFUND,
    TIP_PAYMENT,
    JournalService,
)
from bot.services.money.payments import PaymentReceived, PaymentService, parse_payload
from bot.services.money.provider_refunds import ProviderRefundService, RefundSeen
from bot.services.money.stripe_webhooks import StripeWebhookService
from bot.services.orders.tips import TipPaid, TipService, parse_tip_payload

# What the buyer typed on the payment sheet (name, phone, e-mail, address): the journal keeps
# rows forever, so it keeps only what booking and reconciling a payment need.
PERSONAL_FIELDS = frozenset({"order_info", "shipping_option_id"})


def telegram_payment_row(
    buyer_id: int, successful_payment: Mapping[str, Any], update_id: int | None = None
) -> tuple[str, str, Mapping[str, Any]]:
    """(source, external id, payload) of a Telegram payment: keyed by Telegram's charge id."""
    paid = {k: v for k, v in successful_payment.items() if k not in PERSONAL_FIELDS}
    payload = {"buyer_id": buyer_id, "successful_payment": paid, "update_id": update_id}
    return TELEGRAM, str(successful_payment["telegram_payment_charge_id"]), payload


def telegram_refund_row(
    buyer_id: int, refunded_payment: Mapping[str, Any], update_id: int | None = None
) -> tuple[str, str, Mapping[str, Any]]:
    """(source, external id, payload) of a `refunded_payment`: keyed apart from the payment
    it refunds (the same charge id), so both rows exist."""
    payload = {
        "buyer_id": buyer_id,
        "refunded_payment": dict(refunded_payment),
        "update_id": update_id,
    }
    return TELEGRAM, f"refund:{refunded_payment['telegram_payment_charge_id']}", payload


def _stripe_event(payload: Mapping[str, Any]) -> StripeEvent:
    return StripeEvent(
        id=str(payload["id"]),
        type=str(payload["type"]),
        created=int(payload["created"]),
        data_object=dict(payload["data"]["object"]),
    )


def register_appliers(
    journal: JournalService,
    payments: PaymentService,
    tips: TipService,
    webhooks: StripeWebhookService,
    provider_refunds: ProviderRefundService,
) -> None:
    async def order_payment(payload: Mapping[str, Any]) -> object:
        paid = payload["successful_payment"]
        return await payments.confirm_payment(
            PaymentReceived(
                order_id=parse_payload(str(paid["invoice_payload"])),
                buyer_id=int(payload["buyer_id"]),
                currency=str(paid["currency"]),
                total_minor=int(paid["total_amount"]),
                telegram_charge_id=str(paid["telegram_payment_charge_id"]),
                provider_charge_id=str(paid.get("provider_payment_charge_id") or ""),
            )
        )

    async def tip_payment(payload: Mapping[str, Any]) -> object:
        paid = payload["successful_payment"]
        order_id, _amount = parse_tip_payload(str(paid["invoice_payload"]))
        return await tips.record(
            TipPaid(
                order_id=order_id,
                buyer_id=int(payload["buyer_id"]),
                currency=str(paid["currency"]),
                amount_minor=int(paid["total_amount"]),
                telegram_charge_id=str(paid["telegram_payment_charge_id"]),
                provider_charge_id=str(paid.get("provider_payment_charge_id") or ""),
            )
        )

    async def stripe_event(payload: Mapping[str, Any]) -> object:
        return await webhooks.apply(_stripe_event(payload))

    async def telegram_refund(payload: Mapping[str, Any]) -> object:
        refunded = payload["refunded_payment"]
        return await provider_refunds.seen(
            RefundSeen(
                telegram_charge_id=str(refunded["telegram_payment_charge_id"]),
                currency=str(refunded["currency"]),
                amount_minor=int(refunded["total_amount"]),
            )
        )

    journal.register(ORDER_PAYMENT, order_payment)
    journal.register(TELEGRAM_REFUND, telegram_refund)
    journal.register(TIP_PAYMENT, tip_payment)
    journal.register(STRIPE_EVENT, stripe_event)
