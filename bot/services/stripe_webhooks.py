"""Stripe webhooks: verified, applied once per event id, answered with an HTTP status.

Why the ledger is touched here at all: a refund made from the Stripe dashboard (or one whose
database write was lost after Stripe accepted it) shows up as `charge.refunded`; if the order
is cancelled and still holds escrow, the refund is recorded under the same key our own refund
uses, so whichever arrives first wins and the other is a no-op. Anything else that needs a human
(a dispute, a reversed transfer, a refund of an order still open) is sent to the operators.
"""

from __future__ import annotations

import logging

from bot.clock import Clock
from bot.config import Settings
from bot.domain.ledger import escrow_account, refund, stripe_ref
from bot.domain.money import Money
from bot.domain.order import OrderStatus
from bot.i18n.markers import N_
from bot.payments.webhooks import (
    StripeEvent,
    WebhookPayloadInvalid,
    WebhookSignatureInvalid,
    verify_stripe_event,
)
from bot.services.order_steps import alert_operators, notify
from bot.services.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.refunds import refund_key

log = logging.getLogger(__name__)

OK, BAD_REQUEST = 200, 400


class StripeWebhookService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, settings: Settings) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings

    async def handle(self, payload: bytes, signature: str | None, now: int | None = None) -> int:
        """Verify and apply one webhook request; the HTTP status to answer with."""
        secret = self._settings.stripe_webhook_secret
        try:
            event = verify_stripe_event(
                payload,
                signature,
                secret.get_secret_value() if secret else "",
                now=now if now is not None else int(self._clock.now().timestamp()),
            )
        except (WebhookSignatureInvalid, WebhookPayloadInvalid) as exc:
            log.warning("Stripe webhook refused: %s", exc)
            return BAD_REQUEST
        await self.apply(event)
        return OK

    async def apply(self, event: StripeEvent) -> bool:
        """Apply a verified event; False when this event id was applied before."""
        at = self._clock.now()
        async with self._uow() as uow:
            if not await uow.stripe_events.claim(event.id, event.type, at):
                return False
            obj = event.data_object
            if event.type == "charge.refunded":
                await self._charge_refunded(uow, event, str(obj.get("id", "")))
            elif event.type == "charge.dispute.created":
                await self._alert(
                    uow,
                    event,
                    N_("The card payment {charge} is disputed at the bank (order #{order_id})."),
                    charge=str(obj.get("charge", "")),
                    order_id=await self._order_of(uow, str(obj.get("charge", ""))),
                )
            elif event.type in ("transfer.reversed", "transfer.failed"):
                await self._alert(
                    uow,
                    event,
                    N_("Stripe transfer {transfer} was {status} ({group})."),
                    transfer=str(obj.get("id", "")),
                    status=event.type.removeprefix("transfer."),
                    group=str(obj.get("transfer_group", "")),
                )
            elif event.type == "account.updated":
                enabled = bool(obj.get("payouts_enabled")) and bool(obj.get("details_submitted"))
                await uow.stripe_events.set_payouts_enabled(str(obj.get("id", "")), enabled, at)
        return True

    async def _order_of(self, uow: UnitOfWork, charge_id: str) -> str:
        order = await uow.orders.get_by_provider_charge(charge_id) if charge_id else None
        return str(order.id) if order else "?"

    async def _charge_refunded(self, uow: UnitOfWork, event: StripeEvent, charge_id: str) -> None:
        order = await uow.orders.get_by_provider_charge(charge_id) if charge_id else None
        if order is None:
            return
        held = await uow.ledger.balance(escrow_account(order.id), order.currency)
        if order.status == OrderStatus.cancelled and held > 0:
            at = self._clock.now()
            transaction = refund(
                order.id, Money(held, order.currency), key=refund_key(order.id),
                provider_ref=_latest_refund_ref(event.data_object),
            )  # fmt: skip
            if await uow.ledger.record(transaction, at):
                await uow.outbox.add(
                    notify(order.buyer_id, "order.refunded", order, refunded_minor=held), at
                )
        elif held > 0:
            await self._alert(
                uow,
                event,
                N_("Order #{order_id} was refunded at Stripe while still open; please review."),
                order_id=order.id,
            )

    async def _alert(
        self, uow: UnitOfWork, event: StripeEvent, message: str, **params: object
    ) -> None:
        await alert_operators(
            uow,
            self._settings.admin_ids,
            self._clock.now(),
            message,
            f"stripe:{event.id}",
            **params,
        )


def _latest_refund_ref(charge: dict[str, object]) -> str | None:
    """The newest refund of a `charge.refunded` charge, when the event carries its refunds
    (Stripe lists them newest first); None when it does not, and `reconcile` will say so."""
    refunds = charge.get("refunds")
    data = refunds.get("data") if isinstance(refunds, dict) else None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return stripe_ref(str(data[0].get("id") or "") or None)
    return None
