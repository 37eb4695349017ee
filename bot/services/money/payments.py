"""Telegram payments: the pre-checkout re-check and the successful payment.

`check_pre_checkout` must answer within Telegram's 10 seconds, so it only reads. `confirm_payment`
is idempotent on Telegram's charge id: the same `successful_payment` delivered twice finds the
charge already stored and records nothing. A payment that arrives for an order that is no
longer awaiting it (expired, cancelled) is still written to the ledger, because the money did
arrive, and handed to `RefundService`, which sends it back. A second charge for an order already
paid (the buyer paid the same invoice twice) is booked apart from the escrow, under keys naming
that charge, and refunded the same way; only a payment for no order at all goes to a human.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.clock import Clock
from bot.domain.gig import GigStatus
from bot.domain.ledger import (
    duplicate_payment,
    external_source_for,
    payment_received,
    payment_ref,
)
from bot.domain.money import STARS, Money
from bot.domain.order import Actor, OrderEvent, OrderStatus
from bot.errors import Conflict, NotAllowed, NotFound
from bot.i18n.markers import N_
from bot.services.money.invoices import order_payload, parse_order_payload
from bot.services.money.refunds import SECOND_CHARGE, RefundService
from bot.services.orders.access import note
from bot.services.orders.steps import alert_operators, move, notify
from bot.services.ports import OrderRecord, UnitOfWork, UnitOfWorkFactory

#: One file a buyer sent as a requirement answer, forwarded to the seller after the new order.
REQUIREMENT_FILE = "order.requirement_file"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentReceived:
    """What Telegram says was paid (from `successful_payment`)."""

    order_id: int
    buyer_id: int
    currency: str
    total_minor: int
    telegram_charge_id: str
    provider_charge_id: str


class PaymentOutcome(StrEnum):
    recorded = "recorded"  # the order is now in progress
    duplicate = "duplicate"  # this charge was already recorded; nothing done
    refunding = "refunding"  # paid too late: the money goes back to the buyer
    unknown_order = "unknown_order"  # operators were told
    settled_before = "settled_before"  # refunded by reconcile as unplaced; operators told


def parse_payload(payload: str) -> int:
    """The order id in an order invoice's payload (`order:<id>`, see `invoices`)."""
    return parse_order_payload(payload)


def invoice_payload(order_id: int) -> str:
    return order_payload(order_id)


@dataclass(frozen=True)
class PaymentConfig:
    """What payments need of the settings (filled by `bot.bootstrap.config_of`)."""

    #: operators: they get the alerts and may act as one
    admin_ids: tuple[int, ...]
    #: how long a seller may decline a paid order
    seller_decline_window: timedelta


class PaymentService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        config: PaymentConfig,
        refunds: RefundService,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config
        self._refunds = refunds

    @property
    def _admins(self) -> Sequence[int]:
        return self._config.admin_ids

    async def check_pre_checkout(
        self, order_id: int, buyer_id: int, total_minor: int, currency: str
    ) -> None:
        """Allow the payment, or raise with the reason shown on Telegram's payment sheet."""
        now = self._clock.now()
        async with self._uow(read_only=True) as uow:
            order = await uow.orders.get(order_id)
            if order is None or order.buyer_id != buyer_id:
                raise NotFound(N_("This order does not exist."))
            if order.status != OrderStatus.awaiting_payment:
                raise Conflict(N_("This order is no longer waiting for payment."))
            if order.expires_at is not None and order.expires_at <= now:
                raise Conflict(N_("This invoice has expired. Please order again."))
            if order.total_minor != total_minor or order.currency != currency:
                raise Conflict(N_("The price of this order has changed. Please order again."))
            gig = await uow.gigs.get(order.gig_id)
            if gig is None or gig.status is not GigStatus.live:
                raise NotAllowed(N_("This gig is no longer available."))
            buyer = await uow.users.get(buyer_id)
            if buyer is not None and buyer.is_blocked:
                raise NotAllowed(N_("Your account cannot place orders."))

    async def confirm_payment(self, paid: PaymentReceived) -> PaymentOutcome:
        now = self._clock.now()
        amount = Money(paid.total_minor, paid.currency)
        if await self._paid_by_another_charge(paid):
            return await self._second_charge(paid, amount, now)
        async with self._uow() as uow:
            if await uow.orders.get_by_charge(paid.telegram_charge_id) is not None:
                return PaymentOutcome.duplicate
            order = await uow.orders.get_for_update(paid.order_id)
            if order is not None and order.telegram_charge_id == paid.telegram_charge_id:
                # The same payment recorded by a concurrent delivery of this update (on
                # PostgreSQL the first read above can run before that one committed).
                return PaymentOutcome.duplicate
            if order is not None and order.telegram_charge_id is not None:
                # Paid by another charge since the check above: booked apart here, and given
                # back by the refund sweep (this unit of work must commit first).
                if await book_second_charge(uow, order, paid, amount, now, self._refunds):
                    return PaymentOutcome.refunding
                return PaymentOutcome.duplicate
            if order is None:
                # No order to hold the money: a human decides.
                await alert_operators(
                    uow,
                    self._admins,
                    now,
                    N_("Payment {charge} for order #{order_id} has no order to go to; refund it."),
                    f"orphan:{paid.telegram_charge_id}",
                    charge=paid.telegram_charge_id,
                    order_id=paid.order_id,
                )
                return PaymentOutcome.unknown_order
            ref = payment_ref(order.rail, paid.telegram_charge_id, paid.provider_charge_id)
            if ref is not None and await uow.ledger.has_provider_ref(ref):
                # The reconcile sweep found this charge with no order naming it and refunded
                # it; booking it now would start an order whose money went back.
                await alert_operators(
                    uow,
                    self._admins,
                    now,
                    N_(
                        "Payment {charge} for order #{order_id} arrived after it had been "
                        "refunded as unplaced; the order stays unpaid."
                    ),
                    f"settled:{paid.telegram_charge_id}",
                    charge=paid.telegram_charge_id,
                    order_id=paid.order_id,
                )
                return PaymentOutcome.settled_before
            charge_fields = {
                "telegram_charge_id": paid.telegram_charge_id,
                "provider_charge_id": paid.provider_charge_id or None,
                "paid_at": now,
            }
            late = order.status != OrderStatus.awaiting_payment
            if late:
                if not await uow.orders.update(order.id, order.version, **charge_fields):
                    raise Conflict()
                as_paid = replace(
                    order,
                    telegram_charge_id=paid.telegram_charge_id,
                    provider_charge_id=paid.provider_charge_id or None,
                )
                if self._refunds.cannot_refund(as_paid) is None:
                    # Otherwise the refund becomes an operator task, and the buyer hears that.
                    await uow.outbox.add(notify(order.buyer_id, "order.paid_late", order), now)
            else:
                await move(
                    uow,
                    order,
                    OrderEvent.pay,
                    Actor.buyer,
                    now,
                    actor_user_id=paid.buyer_id,
                    data={"charge": paid.telegram_charge_id},
                    due_at=now + _days(order.delivery_days),
                    decline_until=now + self._config.seller_decline_window,
                    **charge_fields,
                )
                due_at = (now + _days(order.delivery_days)).isoformat()
                await uow.outbox.add(
                    notify(
                        order.seller_id,
                        "order.new_for_seller",
                        order,
                        answers=_answers_for_seller(order.snapshot, order.answers),
                        due_at=due_at,
                        decline_until=(now + self._config.seller_decline_window).isoformat(),
                    ),
                    now,
                )
                # The files themselves, in question order, after the notice (one chat's
                # outbox rows go out in commit order); the notice names them only.
                for index, question, file in _requirement_files(order.snapshot, order.answers):
                    await uow.outbox.add(
                        notify(
                            order.seller_id,
                            REQUIREMENT_FILE,
                            order,
                            dedupe=f"order:{order.id}:reqfile:{index}",
                            question=question,
                            file=file,
                        ),
                        now,
                    )
                await uow.outbox.add(
                    notify(order.buyer_id, "order.receipt", order, due_at=due_at), now
                )
            source = "external:stars" if order.rail == "stars" else "external:stripe"
            await uow.ledger.record(
                payment_received(order.id, amount, source, provider_ref=ref), now
            )
        if late:
            await self._refunds.refund_order(order.id)
            return PaymentOutcome.refunding
        return PaymentOutcome.recorded

    async def _paid_by_another_charge(self, paid: PaymentReceived) -> bool:
        """Whether the order was paid already, by a charge other than this one (reads only,
        so the ordinary first payment pays for no extra write)."""
        async with self._uow(read_only=True) as uow:
            order = await uow.orders.get(paid.order_id)
        return (
            order is not None
            and order.telegram_charge_id is not None
            and order.telegram_charge_id != paid.telegram_charge_id
        )

    async def _second_charge(
        self, paid: PaymentReceived, amount: Money, now: datetime
    ) -> PaymentOutcome:
        """A second charge for an order already paid: booked apart, then refunded at once.

        Why not only an alert: the buyer paid twice for one order; the money is theirs, and
        the provider can give it back as surely as it gives back a late payment. The pair of
        ledger transactions is keyed by the second charge, so a redelivered update books
        nothing again and the refund's idempotency key is the same on every retry.
        """
        async with self._uow() as uow:
            order = await uow.orders.get_for_update(paid.order_id)
            if order is None:  # orders are never deleted; say so rather than guess
                raise NotFound(N_("This order does not exist."))
            booked = await book_second_charge(uow, order, paid, amount, now, self._refunds)
        if not booked:
            return PaymentOutcome.duplicate
        await self._refunds.refund_duplicate(order.id, paid.telegram_charge_id)
        return PaymentOutcome.refunding


async def book_second_charge(
    uow: UnitOfWork,
    order: OrderRecord,
    paid: PaymentReceived,
    amount: Money,
    now: datetime,
    refunds: RefundService,
) -> bool:
    """Book a second charge of a paid order apart from its escrow; False when booked before.

    The order's history keeps what the refund needs (the provider's charge id, the amount)
    and the buyer hears that it comes back, unless nothing here can refund it, in which case
    the refund's failure tells them an operator handles it.
    """
    rail = "stars" if amount.currency == STARS else "stripe"
    transaction = duplicate_payment(
        order.id,
        paid.telegram_charge_id,
        amount,
        external_source_for(amount.currency),
        provider_ref=payment_ref(rail, paid.telegram_charge_id, paid.provider_charge_id),
    )
    if await uow.ledger.has(transaction.key):
        return False
    if transaction.provider_ref and await uow.ledger.has_provider_ref(transaction.provider_ref):
        return False  # refunded by the reconcile sweep as unplaced (operators were told then)
    if not await uow.ledger.record(transaction, now):
        return False
    await note(
        uow, order, SECOND_CHARGE, Actor.buyer, now, actor_user_id=paid.buyer_id,
        data={"charge": paid.telegram_charge_id, "provider_charge": paid.provider_charge_id,
              "amount_minor": amount.amount_minor, "currency": amount.currency},
    )  # fmt: skip
    as_paid = replace(
        order,
        telegram_charge_id=paid.telegram_charge_id,
        provider_charge_id=paid.provider_charge_id or None,
    )
    log.warning("order %s was paid a second time (%s): refunding it", order.id, transaction.key)
    if refunds.cannot_refund(as_paid) is None:
        await uow.outbox.add(
            notify(
                order.buyer_id, "order.paid_twice", order,
                dedupe=f"{transaction.key}:notice"[:128], refunded_minor=amount.amount_minor,
            ),
            now,
        )  # fmt: skip
    return True


def _days(days: int) -> timedelta:
    return timedelta(days=days)


def _answers_for_seller(snapshot: object, answers: object) -> list[list[str]]:
    """(question, answer) pairs in question order, as plain strings for the renderer."""
    if not isinstance(snapshot, dict) or not isinstance(answers, dict):
        return []
    pairs = []
    for index, requirement in enumerate(snapshot.get("requirements", [])):
        answer = answers.get(str(index))
        if answer is not None:
            pairs.append([str(requirement.get("question", "")), _answer_text(answer)])
    return pairs


def _requirement_files(snapshot: object, answers: object) -> list[tuple[int, str, dict[str, str]]]:
    """(index, question, file) of each file the buyer sent as an answer, in question order."""
    if not isinstance(snapshot, dict) or not isinstance(answers, dict):
        return []
    files = []
    for index, requirement in enumerate(snapshot.get("requirements", [])):
        answer = answers.get(str(index))
        if isinstance(answer, dict) and answer.get("file_id"):
            name = str(answer.get("file_name") or "")
            # Answers from before `type` was stored: only documents carry a file name.
            kind = str(answer.get("type") or ("document" if name else "photo"))
            file = {"file_id": str(answer["file_id"]), "file_name": name, "type": kind}
            files.append((index, str(requirement.get("question", "")), file))
    return files


def _answer_text(answer: object) -> str:
    if isinstance(answer, dict):
        return str(answer.get("caption") or answer.get("file_name") or "📎")
    return str(answer)
