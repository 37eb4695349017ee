"""The payment journal as a service: stored first, applied once, retried, refused, kept."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta

from bot.bootstrap import build_services
from bot.payments.webhooks import sign_stripe_payload
from bot.services.inbox import InboxPruner
from bot.services.money.journal import (
    ORDER_PAYMENT,
    RETRY_MAX,
    TELEGRAM_REFUND,
    TIP_PAYMENT,
    JournalOutcome,
    JournalService,
    retry_delay,
)
from bot.services.money.journal_appliers import (
    telegram_payment_row,
    telegram_refund_row,
)
from bot.services.money.payments import invoice_payload
from bot.services.money.stripe_webhooks import StripeWebhookService
from bot.services.orders.tips import tip_payload
from bot.services.ports import UnitOfWorkFactory
from bot.storage.repositories.journal import SqlPaymentJournalRepository
from tests.fakes.faults import FaultPlan, FaultyUnitOfWorkFactory, connection_lost
from tests.services.money_world import BUYER, SELLER, WEBHOOK_SECRET, MoneyWorld
from tests.services.test_payouts_webhooks import completed_order


@dataclass
class Intake:
    journal: JournalService
    webhooks: StripeWebhookService
    plan: FaultPlan


def intake(world: MoneyWorld) -> Intake:
    """The journal wired as the composition root wires it, on units of work that obey a plan."""
    plan = FaultPlan()
    uow: UnitOfWorkFactory = FaultyUnitOfWorkFactory(world.uow, plan)
    services = build_services(world.settings, world.adapters(uow))
    return Intake(services.of(JournalService), services.of(StripeWebhookService), plan)


def signed(event: dict[str, object]) -> tuple[bytes, str]:
    body = json.dumps(event).encode()
    return body, sign_stripe_payload(body, WEBHOOK_SECRET, int(time.time()))


def account_updated(event_id: str) -> dict[str, object]:
    return {
        "id": event_id,
        "type": "account.updated",
        "created": 1,
        "data": {"object": {"id": "acct_s", "payouts_enabled": True, "details_submitted": True}},
    }


async def _payouts_enabled(world: MoneyWorld) -> bool:
    async with world.uow(read_only=True) as uow:
        seller = await uow.users.get(SELLER)
    return seller is not None and seller.payouts_enabled


async def _journal_size(world: MoneyWorld) -> int:
    async with world.uow(read_only=True) as uow:
        return await uow.journal.count()


async def _onboarding_seller(world: MoneyWorld) -> None:
    async with world.uow() as uow:
        await uow.users.update_profile(SELLER, world.clock.now(), stripe_account_id="acct_s")


async def test_a_stripe_event_whose_application_fails_is_answered_200_and_applied_by_the_sweep(
    world: MoneyWorld,
) -> None:
    await _onboarding_seller(world)
    parts = intake(world)
    parts.plan.fail("stripe_events", "claim", connection_lost())
    assert await parts.webhooks.handle(*signed(account_updated("evt_a"))) == 200
    assert not await _payouts_enabled(world)
    assert await parts.journal.unapplied_count() == 1
    assert await parts.journal.apply_pending() == 0  # not due yet: back-off
    world.clock.advance(retry_delay(1))
    assert await parts.journal.apply_pending() == 1
    assert await _payouts_enabled(world)
    assert await parts.journal.unapplied_count() == 0
    entry = await parts.journal.get("stripe", "evt_a")
    assert entry is not None and entry.attempts == 1 and entry.applied_at is not None
    assert entry.last_error is not None and "connection was closed" in entry.last_error


async def test_a_stripe_event_that_cannot_be_stored_is_answered_500_and_stripe_retries(
    world: MoneyWorld,
) -> None:
    await _onboarding_seller(world)
    parts = intake(world)
    parts.plan.fail("journal", "add")
    body, signature = signed(account_updated("evt_b"))
    assert await parts.webhooks.handle(body, signature) == 500
    assert await _journal_size(world) == 0 and not await _payouts_enabled(world)
    assert await parts.webhooks.handle(body, signature) == 200  # Stripe's retry
    assert await _payouts_enabled(world)


async def test_the_same_stripe_event_twice_is_stored_and_applied_once(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig())
    payment = world.payment(order)
    await world.payments.confirm_payment(payment)
    await world.orders.seller_decline(order.id, SELLER)  # refunded through the gateway
    parts = intake(world)
    event = {
        "id": "evt_c",
        "type": "charge.refunded",
        "created": 1,
        "data": {"object": {"id": payment.provider_charge_id, "refunded": True}},
    }
    body, signature = signed(event)
    for _ in range(3):
        assert await parts.webhooks.handle(body, signature) == 200
    assert await _journal_size(world) == 1
    assert (await world.outbox_kinds()).count((BUYER, "order.refunded")) == 1


async def test_the_same_charge_journaled_twice_is_booked_once(world: MoneyWorld) -> None:
    order = await world.place(await world.add_gig())
    paid = world.payment(order, charge="tg_dup")
    source, external_id, payload = telegram_payment_row(
        BUYER,
        {
            "currency": paid.currency,
            "total_amount": paid.total_minor,
            "invoice_payload": invoice_payload(order.id),
            "telegram_payment_charge_id": paid.telegram_charge_id,
            "provider_payment_charge_id": paid.provider_charge_id,
        },
    )
    parts = intake(world)
    first = await parts.journal.store(source, external_id, ORDER_PAYMENT, payload)
    second = await parts.journal.store(source, external_id, ORDER_PAYMENT, payload)
    assert first.id == second.id
    assert await parts.journal.apply_now(first) is JournalOutcome.applied
    # A copy read before the row was marked is applied again, harmlessly: the booking is
    # idempotent on the charge id (as when the mark was lost in a crash).
    assert await parts.journal.apply_now(second) is JournalOutcome.applied
    third = await parts.journal.store(source, external_id, ORDER_PAYMENT, payload)
    assert await parts.journal.apply_now(third) is JournalOutcome.already
    async with world.uow() as uow:
        transactions = await uow.ledger.order_transactions(order.id)
    assert [t.key for t in transactions].count(f"order:{order.id}:payment") == 1
    assert (await world.order(order.id)).status == "in_progress"


async def test_a_tip_journaled_twice_is_recorded_once(world: MoneyWorld) -> None:
    order = await completed_order(world)
    parts = intake(world)
    row = telegram_payment_row(
        BUYER,
        {
            "currency": order.currency,
            "total_amount": 300,
            "invoice_payload": tip_payload(order.id, 300),
            "telegram_payment_charge_id": "tg_tip_1",
            "provider_payment_charge_id": "ch_tip_1",
        },
    )
    for _ in range(2):
        entry = await parts.journal.store(row[0], row[1], TIP_PAYMENT, row[2])
        await parts.journal.apply_now(entry)
    async with world.uow() as uow:
        keys = [t.key for t in await uow.ledger.order_transactions(order.id)]
    assert len([k for k in keys if "tip" in k]) == 1


async def test_a_refused_event_keeps_its_reason_and_is_not_retried(world: MoneyWorld) -> None:
    parts = intake(world)
    row = telegram_payment_row(
        BUYER,
        {
            "currency": "USD",
            "total_amount": 100,
            "invoice_payload": "order:not-a-number",
            "telegram_payment_charge_id": "tg_foreign",
        },
    )
    await parts.journal.store(row[0], row[1], ORDER_PAYMENT, row[2])
    assert await parts.journal.apply_pending() == 1
    entry = await parts.journal.get(row[0], row[1])
    assert entry is not None and entry.refused_at is not None
    assert entry.refused_reason == "This invoice is not one of ours."
    world.clock.advance(timedelta(days=1))
    assert await parts.journal.apply_pending() == 0
    assert await parts.journal.unapplied_count() == 0


async def test_journal_rows_are_never_deleted(world: MoneyWorld) -> None:
    await _onboarding_seller(world)
    parts = intake(world)
    for event_id in ("evt_1", "evt_2", "evt_3"):
        await parts.webhooks.handle(*signed(account_updated(event_id)))
    world.clock.advance(timedelta(days=400))
    await parts.journal.apply_pending()
    assert await _journal_size(world) == 3
    assert not [name for name in dir(SqlPaymentJournalRepository) if "delete" in name]


async def test_a_refund_telegram_reports_alerts_operators_unless_it_is_ours(
    world: MoneyWorld,
) -> None:
    gig_id = await world.add_gig()
    kept = await world.place(gig_id, key="k1")
    await world.payments.confirm_payment(world.payment(kept, charge="tg_kept"))
    cancelled = await world.place(gig_id, key="k2")
    await world.payments.confirm_payment(world.payment(cancelled, charge="tg_back"))
    await world.orders.seller_decline(cancelled.id, SELLER)  # our own refund
    parts = intake(world)
    for charge in ("tg_back", "tg_kept", "tg_unknown", "tg_kept"):
        row = telegram_refund_row(
            BUYER,
            {"currency": "USD", "total_amount": 100, "invoice_payload": "x",
             "telegram_payment_charge_id": charge},
        )  # fmt: skip
        await parts.journal.apply_now(await parts.journal.store(*row[:2], TELEGRAM_REFUND, row[2]))
    alerts = [kind for chat, kind in await world.outbox_kinds() if kind == "ops.alert"]
    assert len(alerts) == 2  # the open order's refund and the unknown charge, once each
    assert await _journal_size(world) == 3 and await parts.journal.unapplied_count() == 0


def test_retries_back_off_up_to_an_hour() -> None:
    delays = [retry_delay(n) for n in range(1, 30)]
    assert delays[0] == timedelta(seconds=10) and delays[1] == timedelta(seconds=20)
    assert delays == sorted(delays) and delays[-1] == RETRY_MAX


def test_a_journaled_payment_keeps_no_personal_details() -> None:
    _source, _id, payload = telegram_payment_row(
        BUYER,
        {
            "currency": "USD",
            "total_amount": 100,
            "invoice_payload": "order:1",
            "telegram_payment_charge_id": "tg_1",
            "order_info": {"name": "Tom", "phone_number": "15550100"},
        },
    )
    assert "order_info" not in payload["successful_payment"]
    assert payload["successful_payment"]["telegram_payment_charge_id"] == "tg_1"


async def test_finished_inbox_updates_are_pruned_after_a_day_unfinished_never(
    world: MoneyWorld,
) -> None:
    pruner = InboxPruner(world.uow, world.clock)
    async with world.uow() as uow:
        await uow.inbox.store_many(
            [(1, {"update_id": 1}), (2, {"update_id": 2})], world.clock.now()
        )
        await uow.inbox.finish_many([1], world.clock.now())
    assert await pruner.prune() == 0  # finished just now
    world.clock.advance(timedelta(days=2))
    assert await pruner.prune() == 1
    async with world.uow() as uow:
        assert [update_id for update_id, _ in await uow.inbox.unfinished(10)] == [2]


async def test_unfinished_inbox_updates_are_read_page_by_page(world: MoneyWorld) -> None:
    """A restart queues every stored update again, however many: the pages never skip one."""
    async with world.uow() as uow:
        await uow.inbox.store_many(
            [(n, {"update_id": n}) for n in range(1, 8)], world.clock.now()
        )
        await uow.inbox.finish_many([3], world.clock.now())
    seen: list[int] = []
    after: int | None = None
    while True:
        async with world.uow() as uow:
            page = [update_id for update_id, _ in await uow.inbox.unfinished(2, after=after)]
        if not page:
            break
        seen += page
        after = page[-1]
    assert seen == [1, 2, 4, 5, 6, 7]
