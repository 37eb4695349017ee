"""The order chat and the order view: what both sides see of an order, and talking inside it.

Messages are relayed through the bot (outbox) so neither side learns the other's username or
chat; with MASK_CONTACT_DETAILS on, contact details are masked (`bot.domain.contact_masking`)
and the sender is told why. Each relayed message is kept in the order's history (as an event
without a status change and without a version bump, so chatting never races an approval),
which is what an operator reads in a dispute.

The view lists a user's orders as buyer or seller and, for one order, the actions the state
machine allows them now (`allowed_events`) plus the requests that wait for their answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.domain.contact_masking import mask_contact_details
from bot.domain.order import CLOSED_STATUSES, Actor, OrderEvent, OrderStatus, allowed_events
from bot.errors import NotFound, TransitionRefused, ValidationFailed
from bot.i18n.markers import N_
from bot.services.orders.access import (
    MAX_PART_TEXT,
    history_lines,
    load_for,
    other_party,
    party_actor,
)
from bot.services.orders.steps import facts_of, notify
from bot.services.ports import OrderEventRecord, OrderRecord, UnitOfWorkFactory

LIST_LIMIT = 10


@dataclass(frozen=True, slots=True)
class Relayed:
    """What happened to a chat message: to whom, and how many details were masked."""

    order_id: int
    recipient_id: int
    masked: int


@dataclass(frozen=True, slots=True)
class OrderView:
    order: OrderRecord
    role: Actor
    events: tuple[OrderEvent, ...]  # state-machine actions allowed to this user now
    can_chat: bool
    can_ask_cancel: bool
    answer_cancel: bool  # the other side asked for a mutual cancellation
    can_ask_extension: bool
    answer_extension: bool  # the seller asked for more days
    timezone: str


@dataclass(frozen=True)
class OrderChatConfig:
    """What the order chat needs of the settings (filled by `bot.bootstrap.config_of`)."""

    #: hide e-mails, phones and handles in messages
    mask_contact_details: bool


class OrderChatService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, config: OrderChatConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config

    async def relay(
        self,
        order_id: int,
        sender_id: int,
        message_id: int,
        text: str = "",
        file_kind: str = "",
        file_id: str = "",
        name: str = "",
    ) -> Relayed:
        """Pass one message (text, or a photo/file with a caption) to the other side."""
        if not text.strip() and not file_id:
            raise ValidationFailed(N_("Please send text, a photo or a file."))
        now = self._clock.now()
        masked_count = 0
        if self._config.mask_contact_details and text:
            masked = mask_contact_details(text)
            text, masked_count = masked.text, masked.hidden
        text = text[:MAX_PART_TEXT]
        async with self._uow() as uow:
            order, actor = await load_for(uow, order_id, sender_id)
            if order.paid_at is None:
                raise TransitionRefused(N_("The chat opens once the order is paid."))
            recipient = other_party(order, sender_id)
            part = {"kind": file_kind or "text", "text": text, "file_id": file_id, "name": name}
            added = await uow.outbox.add(
                notify(
                    recipient,
                    "order.chat",
                    order,
                    dedupe=f"order:{order.id}:chat:{sender_id}:{message_id}",
                    by=actor.value,
                    part=part,
                ),
                now,
            )
            if added:  # a redelivered update relays (and records) nothing twice
                await uow.order_events.append(
                    OrderEventRecord(
                        order.id, "message", actor.value, sender_id, order.status,
                        order.status, {"text": text, "kind": part["kind"]}, now,
                    )
                )  # fmt: skip
        return Relayed(order_id, recipient, masked_count)

    async def my_orders(self, user_id: int, as_seller: bool) -> Sequence[OrderRecord]:
        async with self._uow(read_only=True) as uow:
            return await uow.orders.for_party(user_id, as_seller, LIST_LIMIT)

    async def view(self, order_id: int, user_id: int) -> OrderView:
        now = self._clock.now()
        async with self._uow(read_only=True) as uow:
            order = await uow.orders.get(order_id)
            if order is None:
                raise NotFound(N_("This order does not exist."))
            role = party_actor(order, user_id)
            user = await uow.users.get(user_id)
        status = OrderStatus(order.status)
        events = tuple(allowed_events(status, role, facts_of(order, now)))
        open_ = status not in CLOSED_STATUSES and order.paid_at is not None
        cancellable = status in (OrderStatus.in_progress, OrderStatus.delivered)
        asked = order.cancel_requested_by
        return OrderView(
            order=order,
            role=role,
            events=events,
            can_chat=open_,
            can_ask_cancel=cancellable and asked is None,
            answer_cancel=cancellable and asked is not None and asked != user_id,
            can_ask_extension=role is Actor.seller
            and status is OrderStatus.in_progress
            and order.extension_days is None,
            answer_extension=role is Actor.buyer
            and status is OrderStatus.in_progress
            and order.extension_days is not None,
            timezone=(user.timezone if user and user.timezone else "UTC"),
        )

    async def history(self, order_id: int, user_id: int) -> list[dict[str, Any]]:
        """The order's events, for its buyer and seller (operators read them in the case)."""
        async with self._uow(read_only=True) as uow:
            order = await uow.orders.get(order_id)
            if order is None:
                raise NotFound(N_("This order does not exist."))
            party_actor(order, user_id)
            return history_lines(await uow.order_events.for_order(order_id))
