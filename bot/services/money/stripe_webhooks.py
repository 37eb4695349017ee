"""Stripe webhooks: verified, stored in the payment journal, applied once per event id.

Intake (`handle`): verify the signature, store the event raw in the payment journal (its own
transaction), then apply it. The answer is 200 once the event is stored, whatever applying it
did: a failed application is retried by the journal's sweep, so Stripe need not send it again.
Only an event that could not be stored is answered 500, which makes Stripe retry it.

Why the ledger is touched here at all: a refund made from the Stripe dashboard (or one whose
database write was lost after Stripe accepted it) shows up as `charge.refunded`; if the order
is cancelled and still holds escrow, what the event newly refunded (its cumulative
`amount_refunded` less what the ledger already holds as refunded for the charge) is recorded,
so our own refund and the event never book the same money twice. Anything else that needs a human
(a dispute, a reversed transfer, a refund of an order still open) is sent to the operators.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from bot.clock import Clock
from bot.domain.ledger import escrow_account, refund, stripe_ref
from bot.domain.money import Money
from bot.domain.order import OrderStatus
from bot.errors import GigBrokerError
from bot.i18n.markers import N_
from bot.payments.webhooks import (
    StripeEvent,
    WebhookPayloadInvalid,
    WebhookSignatureInvalid,
    verify_stripe_event,
)
from bot.services.money.journal import STRIPE, STRIPE_EVENT, JournalService
from bot.services.money.refunds import refunded_of_charge, stripe_refund_key
from bot.services.orders.steps import alert_operators, notify
from bot.services.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

OK, BAD_REQUEST, SERVER_ERROR = 200, 400, 500


def event_payload(event: StripeEvent) -> Mapping[str, Any]:
    """The event as the journal stores it (the parts Stripe signed that the bot reads)."""
    return {
        "id": event.id,
        "type": event.type,
        "created": event.created,
        "data": {"object": event.data_object},
    }


@dataclass(frozen=True)
class StripeWebhookConfig:
    """What Stripe webhooks need of the settings (filled by `bot.bootstrap.config_of`)."""

    #: operators: they get the alerts and may act as one
    admin_ids: tuple[int, ...]
    #: the signing secret; None: webhooks are off
    stripe_webhook_secret: SecretStr | None


class StripeWebhookService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        config: StripeWebhookConfig,
        journal: JournalService | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config
        self._journal = journal

    async def handle(self, payload: bytes, signature: str | None, now: int | None = None) -> int:
        """Verify and apply one webhook request; the HTTP status to answer with."""
        secret = self._config.stripe_webhook_secret
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
        if self._journal is None:
            await self.apply(event)
            return OK
        try:
            entry = await self._journal.store(STRIPE, event.id, STRIPE_EVENT, event_payload(event))
        except Exception:  # not stored: Stripe must send it again
            log.exception("Stripe event %s could not be stored", event.id)
            return SERVER_ERROR
        try:
            await self._journal.apply_now(entry)
        except GigBrokerError:
            pass  # refused by a domain rule: recorded on the journal row
        except Exception:  # recorded on the row; the journal's sweep applies it later
            log.warning("Stripe event %s stored, applying it failed", event.id)
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
        """Book what this event newly refunded of an order's charge, and nothing else.

        Why a difference: `amount_refunded` is cumulative (every refund of the charge so far),
        and some of it may be booked already (our own refund, an earlier event). So the new
        part is `amount_refunded` minus what the ledger holds as refunded for the charge, taken
        with the order's row locked, so a refund booked by the sweep at the same moment is
        either seen here or sees this one. It is booked under the newest Stripe refund id when
        the event lists refunds, else under the cumulative amount: a redelivered or replayed
        event finds its key taken. Only a cancelled order's escrow is refunded here; anything
        that does not fit (another currency, more than the escrow holds, an open order) is
        left to the operators, who are told.
        """
        order = await uow.orders.get_by_provider_charge(charge_id) if charge_id else None
        if order is None:
            tip = await uow.tips.get_by_provider_charge(charge_id) if charge_id else None
            if tip is not None:
                # A tip is credited to the seller when paid: taking it back is a human's call.
                await self._alert(
                    uow, event,
                    N_("A tip of {amount} on order #{order_id} was refunded at Stripe; the "
                       "seller was credited its net. Please review."),
                    amount=Money(tip.amount_minor, tip.currency).format(), order_id=tip.order_id,
                )  # fmt: skip
            return
        order = await uow.orders.get_for_update(order.id) or order
        obj = event.data_object
        cumulative = _int_or_none(obj.get("amount_refunded"))
        currency = str(obj.get("currency") or order.currency).upper()
        transactions = await uow.ledger.order_transactions(order.id)
        booked = refunded_of_charge(transactions, order.currency)
        if cumulative is None:
            await self._alert(
                uow, event,
                N_("Stripe says charge {charge} of order #{order_id} was refunded but not how "
                   "much; please check it against the ledger."),
                charge=charge_id, order_id=order.id,
            )  # fmt: skip
            return
        new = cumulative - booked
        if new <= 0:
            return  # booked already (our own refund, or this event before)
        if currency != order.currency:
            await self._alert_mismatch(uow, event, order.id, Money(new, currency), 0)
            return
        held = await uow.ledger.balance(escrow_account(order.id), order.currency)
        if order.status != OrderStatus.cancelled:
            if held > 0:
                await self._alert(
                    uow,
                    event,
                    N_("Order #{order_id} was refunded at Stripe while still open; please review."),
                    order_id=order.id,
                )
            else:
                await self._alert_mismatch(uow, event, order.id, Money(new, currency), held)
            return
        if new > held:
            await self._alert_mismatch(uow, event, order.id, Money(new, currency), held)
        amount = min(new, held)
        if amount <= 0:
            return
        at = self._clock.now()
        refund_id = _newest_refund_id(obj)
        key = stripe_refund_key(order.id, charge_id, refund_id, cumulative)
        booking = refund(
            order.id, Money(amount, order.currency), key=key, provider_ref=stripe_ref(refund_id)
        )
        if await uow.ledger.record(booking, at):
            await uow.outbox.add(
                notify(
                    order.buyer_id, "order.refunded", order,
                    dedupe=f"{key}:{order.buyer_id}"[:128], refunded_minor=amount,
                ),
                at,
            )  # fmt: skip

    async def _alert_mismatch(
        self, uow: UnitOfWork, event: StripeEvent, order_id: int, refunded: Money, held: int
    ) -> None:
        log.error("charge.refunded %s does not fit order %s: %s", event.id, order_id, refunded)
        await self._alert(
            uow,
            event,
            N_("Stripe refunded {refunded} of order #{order_id}, which does not match the "
               "ledger (its escrow holds {held}); please review."),
            refunded=refunded.format(),
            order_id=order_id,
            held=Money(held, refunded.currency).format(),
        )  # fmt: skip

    async def _alert(
        self, uow: UnitOfWork, event: StripeEvent, message: str, **params: object
    ) -> None:
        await alert_operators(
            uow,
            self._config.admin_ids,
            self._clock.now(),
            message,
            f"stripe:{event.id}",
            **params,
        )


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _newest_refund_id(charge: dict[str, Any]) -> str | None:
    """The id of the newest refund a charge object lists (Stripe lists them newest first)."""
    refunds = charge.get("refunds")
    data = refunds.get("data") if isinstance(refunds, dict) else None
    if not isinstance(data, list) or not data:
        return None
    newest = max(
        (r for r in data if isinstance(r, dict) and r.get("id")),
        key=lambda r: _int_or_none(r.get("created")) or 0,
        default=None,
    )
    return str(newest["id"]) if newest else None
