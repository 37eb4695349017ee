"""Building blocks of the after-payment services: who may act, notes, parts, the release.

Why one module: delivery, cancellation, disputes, the order chat and reviews all start by
loading an order and deciding whether the user is its buyer, its seller or nobody (a forged
button), and all completion paths (approval, auto-complete, an operator's release) must move
the money the same way. Keeping those few steps here means each rule exists once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.domain.groups import group_referral
from bot.domain.ledger import escrow_account, release_to_seller
from bot.domain.money import Money
from bot.domain.order import Actor
from bot.domain.pricing import Escrow, release_amounts
from bot.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from bot.i18n.markers import N_
from bot.services.ports import OrderEventRecord, OrderRecord, UnitOfWork

#: Most parts one delivery (or one piece of dispute evidence) may collect.
MAX_PARTS = 20
MAX_PART_TEXT = 3500  # stays under Telegram's 4096 once the bot's header is added
PART_KINDS = frozenset({"text", "photo", "document"})


async def load_for(uow: UnitOfWork, order_id: int, user_id: int) -> tuple[OrderRecord, Actor]:
    """The order (locked) and whether `user_id` is its buyer or seller; refused otherwise."""
    order = await uow.orders.get_for_update(order_id)
    if order is None:
        raise NotFound(N_("This order does not exist."))
    return order, party_actor(order, user_id)


def party_actor(order: OrderRecord, user_id: int) -> Actor:
    if user_id == order.buyer_id:
        return Actor.buyer
    if user_id == order.seller_id:
        return Actor.seller
    raise NotAllowed(N_("Only the buyer and the seller of this order can do that."))


def other_party(order: OrderRecord, user_id: int) -> int:
    return order.seller_id if user_id == order.buyer_id else order.buyer_id


async def note(
    uow: UnitOfWork,
    order: OrderRecord,
    event: str,
    actor: Actor,
    now: datetime,
    *,
    actor_user_id: int | None = None,
    data: Mapping[str, Any] | None = None,
    **fields: Any,
) -> None:
    """Record something that happened without a status change (a request, an answer).

    With `fields` the order row is also updated under the version check, so a note that
    changes the order races exactly like a transition does.
    """
    if fields and not await uow.orders.update(order.id, order.version, **fields):
        raise Conflict(N_("This order changed at the same moment. Please look at it again."))
    await uow.order_events.append(
        OrderEventRecord(
            order_id=order.id,
            event=event,
            actor=actor.value,
            actor_user_id=actor_user_id,
            from_status=order.status,
            to_status=order.status,
            data=dict(data or {}),
            created_at=now,
        )
    )


def check_parts(parts: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Delivery or evidence parts as stored: kind, text, file_id, name; at least one."""
    if not parts:
        raise ValidationFailed(
            N_("Send the work first (text, files or photos), then tap Deliver."), field="parts"
        )
    if len(parts) > MAX_PARTS:
        raise ValidationFailed(
            N_("One delivery can hold at most {max} messages."), field="parts", max=MAX_PARTS
        )
    checked: list[dict[str, str]] = []
    for part in parts:
        kind = str(part.get("kind", ""))
        text = str(part.get("text") or "")[:MAX_PART_TEXT]
        file_id = str(part.get("file_id") or "")
        if (
            kind not in PART_KINDS
            or (kind == "text" and not text)
            or (kind != "text" and not file_id)
        ):
            raise ValidationFailed(field="parts")
        checked.append(
            {"kind": kind, "text": text, "file_id": file_id, "name": str(part.get("name") or "")}
        )
    return checked


async def held_escrow(uow: UnitOfWork, order: OrderRecord) -> Escrow:
    """What the order's escrow holds now, read against its invoice (refused when empty)."""
    held = await uow.ledger.balance(escrow_account(order.id), order.currency)
    if held <= 0:
        raise Conflict(N_("This order holds no money to release."))
    return Escrow(Money(held, order.currency), Money(order.subtotal_minor, order.currency))


async def release_escrow(uow: UnitOfWork, order: OrderRecord, now: datetime) -> Money:
    """Empty the order's escrow to the seller's payable (subtotal minus commission) and the
    platform (commission plus the buyer's fees): one balanced transaction, in the caller's
    unit of work so it commits with the status change. Returns the seller's net.

    The rates are the order's own (frozen when it was placed), never today's settings. An
    order credited to a group then moves that group's referral share out of the platform's
    fee in the same unit of work (`bot.domain.pricing.release_amounts` decides every part)."""
    escrow = await held_escrow(uow, order)
    source = order.source_chat_id
    parts = release_amounts(escrow, order.rates, referred=source is not None)
    await uow.ledger.record(
        release_to_seller(
            order.id, escrow.held, order.seller_id, parts.seller_net, parts.platform_fee
        ),
        now,
    )
    if source is not None:
        referral = group_referral(order.id, source, parts.referral)
        if referral is not None:
            await uow.ledger.record(referral, now)
    return parts.seller_net


HISTORY_LIMIT = 40


def history_lines(events: Sequence[OrderEventRecord]) -> list[dict[str, Any]]:
    """The order's events as plain data for a renderer (the newest `HISTORY_LIMIT`)."""
    lines = []
    for event in events[-HISTORY_LIMIT:]:
        data = dict(event.data)
        detail = str(data.get("reason") or data.get("text") or "")
        if "parts" in data:
            detail = detail or f"{len(data['parts'])} part(s)"
        if "days" in data:
            detail = f"{data['days']} day(s)"
        lines.append(
            {
                "at": event.created_at.isoformat(),
                "event": event.event,
                "actor": event.actor,
                "to": event.to_status,
                "detail": detail[:200],
            }
        )
    return lines
