"""`reconcile` and its daily sweep on a real store, with the fake Stripe and Stars accounts.

The providers' side is what the fakes recorded (charges, refunds, transfers, Stars payments and
refunds); the ledger side is what the services wrote. A lost payment is one the provider holds
and the services never saw: the sweep books it through the normal payment path when its order
can be named, and refunds it otherwise.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.domain.ledger import Entry, LedgerTransaction
from bot.domain.money import Money
from bot.domain.order import OrderStatus
from bot.domain.reconcile import MismatchKind
from bot.payments.gateway import PaymentUnavailable
from bot.services.money.payments import PaymentReceived
from bot.services.money.reconcile import GRACE, SUSPENSE, ReconcileService, reconcile
from bot.services.orders.steps import OPS_ALERT
from bot.services.orders.tips import TipPaid, tip_payload
from tests.services.money_world import ADMIN, BUYER, SELLER, MoneyWorld
from tests.services.order_life import Life
from tests.services.test_payouts_webhooks import completed_order, onboard_seller, signed


def service(world: MoneyWorld) -> ReconcileService:
    """The sweep as the composition root wires it, on the world's fakes and clock."""
    world.gateway.now = lambda: int(world.clock.now().timestamp())
    world.stars.now = lambda: int(world.clock.now().timestamp())
    return world.services.of(ReconcileService)


async def check(world: MoneyWorld) -> list[tuple[MismatchKind, str]]:
    report = await reconcile(world.uow, world.gateway, world.stars)
    return [(m.kind, m.ref) for m in report.mismatches]


async def alerts(world: MoneyWorld) -> list[str]:
    async with world.uow(read_only=True) as uow:
        due = await uow.outbox.claim_due(world.clock.now() + timedelta(days=30), 1000)
    return [
        str(m.payload["message"]).format(**m.payload["params"])
        for m in due
        if m.kind == OPS_ALERT and m.chat_id == ADMIN
    ]


async def test_payments_refunds_tips_and_payouts_reconcile_clean(world: MoneyWorld) -> None:
    sweeper = service(world)
    life = Life.of(world)
    # A card order paid and cancelled by the buyer: charge + refund.
    cancelled = await life.paid("USD", key="c1")
    await life.cancels.buyer_cancel(cancelled.id, BUYER, late=False)
    # A card order completed, tipped and paid out: charge, tip charge, transfer.
    done = await completed_order(world, key="c2")
    await onboard_seller(world)
    tip_charge = world.gateway.create_charge(200, "USD")
    await life.tips.record(TipPaid(done.id, BUYER, "USD", 200, "tg_tip_1", tip_charge))
    world.clock.advance(world.settings.clearance_period + timedelta(hours=1))
    assert await world.payouts.pay_due() == 2  # the order's transfer, and the tip's own
    # A Stars order paid then cancelled: a Stars payment and its refund.
    gig = await world.add_gig("XTR", 100)
    stars_order = await world.place(gig, key="s1")
    payment = world.payment(stars_order)  # Telegram's Stars account records it
    await world.payments.confirm_payment(payment)
    await life.cancels.buyer_cancel(stars_order.id, BUYER, late=False)

    report = await reconcile(world.uow, world.gateway, world.stars)
    assert report.mismatches == ()
    # charges: 2 orders + 1 tip; 1 card refund; 2 transfers (order, tip); 1 Stars payment + its
    # refund
    assert report.provider_objects == 8
    assert report.ledger_transactions == 8
    assert await sweeper.sweep() == 0
    assert await alerts(world) == []


async def test_a_stars_payment_the_bot_never_booked_is_booked_by_the_sweep(
    world: MoneyWorld,
) -> None:
    sweeper = service(world)
    gig = await world.add_gig("XTR", 100)
    order = await world.place(gig)
    # Telegram took the Stars; the bot was killed before it booked the update.
    payment = world.payment(order)
    assert await check(world) == [
        (MismatchKind.missing_in_ledger, f"stars:{payment.telegram_charge_id}")
    ]
    assert await sweeper.sweep() == 1  # too young: left to the journal and redeliveries
    assert (await world.order(order.id)).status == OrderStatus.awaiting_payment

    world.clock.advance(GRACE + timedelta(minutes=1))
    assert await sweeper.sweep() == 0
    booked = await world.order(order.id)
    assert booked.status == OrderStatus.in_progress
    assert booked.telegram_charge_id == payment.telegram_charge_id
    assert await world.escrow(order.id, "XTR") == order.total_minor
    assert await check(world) == []
    # Then the update is redelivered after all: nothing is booked twice.
    await world.payments.confirm_payment(payment)
    assert await world.escrow(order.id, "XTR") == order.total_minor
    assert await alerts(world) == [
        f"Reconcile booked stars:{payment.telegram_charge_id} "
        f"({Money(order.total_minor, 'XTR').format()}), which the ledger "
        f"lacked, as order:{order.id}."
    ]


async def test_a_card_charge_naming_its_order_is_booked_through_the_payment_path(
    world: MoneyWorld,
) -> None:
    sweeper = service(world)
    order = await world.place(await world.add_gig())
    charge = world.gateway.create_charge(
        order.total_minor, "USD",
        {"invoice_payload": f"order:{order.id}", "telegram_payment_charge_id": "tg_lost_1"},
    )  # fmt: skip
    world.clock.advance(GRACE * 2)
    assert await sweeper.sweep() == 0
    booked = await world.order(order.id)
    assert booked.status == OrderStatus.in_progress
    assert booked.provider_charge_id == charge
    assert await check(world) == []


async def test_a_lost_tip_is_booked_through_the_tip_path(world: MoneyWorld) -> None:
    sweeper = service(world)
    life = Life.of(world)
    order = await life.delivered()
    await life.delivery.approve(order.id, BUYER)
    world.gateway.create_charge(
        300, "USD",
        {"invoice_payload": tip_payload(order.id, 300), "telegram_payment_charge_id": "tg_t"},
    )  # fmt: skip
    world.clock.advance(GRACE * 2)
    assert await sweeper.sweep() == 0
    async with world.uow(read_only=True) as uow:
        kinds = [t.kind for t in await uow.ledger.order_transactions(order.id)]
    assert kinds.count("tip") == 1


async def test_a_charge_no_order_takes_is_refunded_once_and_booked_through_suspense(
    world: MoneyWorld,
) -> None:
    sweeper = service(world)
    # Telegram's description, but no metadata and no order that records it.
    stray = world.gateway.create_charge(999, "USD", description="Telegram payment by 2002")
    world.clock.advance(GRACE * 2)
    assert await sweeper.sweep() == 0
    assert [c.params["charge_id"] for c in world.gateway.calls_of("refund")] == [stray]
    assert world.gateway.charges[stray].refunded_minor == 999
    assert await check(world) == []
    async with world.uow(read_only=True) as uow:
        assert await uow.ledger.balance(SUSPENSE, "USD") == 0
    assert await sweeper.sweep() == 0  # the next day: nothing to do, no second refund
    assert len(world.gateway.calls_of("refund")) == 1
    assert any(stray in alert for alert in await alerts(world))


async def test_a_stray_stars_payment_is_refunded_through_telegram(world: MoneyWorld) -> None:
    sweeper = service(world)
    world.stars.record_payment(BUYER, "st_stray", 50, "not-ours")
    world.clock.advance(GRACE * 2)
    assert await sweeper.sweep() == 0
    assert world.stars.refunded == [(BUYER, "st_stray")]
    assert await check(world) == []


async def test_a_second_charge_for_a_paid_order_is_refunded(world: MoneyWorld) -> None:
    sweeper = service(world)
    order = await Life.of(world).paid()
    second = world.gateway.create_charge(
        order.total_minor, "USD",
        {"invoice_payload": f"order:{order.id}", "telegram_payment_charge_id": "tg_second"},
    )  # fmt: skip
    world.clock.advance(GRACE * 2)
    assert await sweeper.sweep() == 0
    assert world.gateway.charges[second].refunded_minor == order.total_minor
    assert await world.escrow(order.id) == order.total_minor  # the first payment still held
    assert await check(world) == []


async def test_mismatches_are_reported_and_alerted_once_each(world: MoneyWorld) -> None:
    sweeper = service(world)
    order = await Life.of(world).paid()
    charge = order.provider_charge_id
    assert charge
    # A refund made by hand in the Stripe dashboard, never booked; and a charge that vanished.
    await world.gateway.refund(charge, 100, "USD", "dashboard-1")
    del world.gateway.charges[charge]
    found = await check(world)
    assert sorted(kind for kind, _ref in found) == sorted(
        [MismatchKind.missing_in_ledger, MismatchKind.missing_at_provider]
    )
    world.clock.advance(GRACE * 2)
    assert await sweeper.sweep() == 2
    assert await sweeper.sweep() == 2
    sent = await alerts(world)
    assert len(sent) == 2  # one per mismatch, however many runs found it


async def test_a_provider_that_is_not_configured_is_not_reported_missing(
    world: MoneyWorld,
) -> None:
    await Life.of(world).paid()
    report = await reconcile(world.uow, None, world.stars)
    assert report.clean and report.ledger_transactions == 0
    report = await reconcile(world.uow, world.gateway, None)
    assert report.clean and report.ledger_transactions == 1


async def test_since_limits_the_listing(world: MoneyWorld) -> None:
    service(world)
    await Life.of(world).paid(key="old")
    world.clock.advance(timedelta(days=10))
    since = world.clock.now()
    await Life.of(world).paid(key="new")
    report = await reconcile(world.uow, world.gateway, world.stars, since)
    assert report.clean
    assert (report.provider_objects, report.ledger_transactions) == (1, 1)
    assert world.gateway.calls_of("list_charges")[-1].params["created_since"] == int(
        (since - timedelta(days=1)).timestamp()
    )


async def test_money_in_and_out_amounts_are_compared(world: MoneyWorld) -> None:
    order = await Life.of(world).paid()
    charge = order.provider_charge_id
    assert charge
    world.gateway.charges[charge].amount_minor += 1
    assert await check(world) == [(MismatchKind.amount_differs, f"stripe:{charge}")]
    world.gateway.charges[charge].amount_minor -= 1
    world.gateway.charges[charge].currency = "EUR"
    assert await check(world) == [(MismatchKind.currency_differs, f"stripe:{charge}")]
    world.gateway.charges[charge].currency = "USD"
    assert Money(order.total_minor, "USD").is_positive()
    assert SELLER and await check(world) == []


async def test_a_refund_booked_from_the_webhook_names_the_stripe_refund(
    world: MoneyWorld,
) -> None:
    order = await world.place(await world.add_gig())
    payment = world.payment(order)
    await world.payments.confirm_payment(payment)
    charge = payment.provider_charge_id
    # Refunded in the Stripe dashboard after a cancellation whose own refund call failed.
    async with world.uow() as uow:
        current = await uow.orders.get(order.id)
        assert current is not None
        await uow.orders.update(order.id, current.version, status="cancelled")
    made = await world.gateway.refund(charge, order.total_minor, "USD", "dashboard")
    event = {
        "id": "evt_refunded",
        "type": "charge.refunded",
        "created": 1,
        "data": {"object": {"id": charge, "refunded": True, "currency": "usd",
                            "amount_refunded": order.total_minor,
                            "refunds": {"data": [{"id": made.refund_id}]}}},
    }  # fmt: skip
    assert await world.webhooks.handle(*signed(event)) == 200
    assert await world.escrow(order.id) == 0
    assert await check(world) == []


async def test_a_charge_that_is_not_a_telegram_payment_is_never_refunded(
    world: MoneyWorld,
) -> None:
    sweeper = service(world)
    website = world.gateway.create_charge(4900, "USD", description="Shop order 1881")
    world.clock.advance(GRACE * 2)
    assert await sweeper.sweep() == 1
    assert not world.gateway.calls_of("refund")
    assert await check(world) == [(MismatchKind.missing_in_ledger, f"stripe:{website}")]
    sent = await alerts(world)
    assert any("not recognizably a Telegram payment" in alert for alert in sent)
    assert any(alert.startswith("Reconcile: missing in the ledger") for alert in sent)


async def test_one_provider_down_does_not_stop_the_other(world: MoneyWorld) -> None:
    sweeper = service(world)
    await Life.of(world).paid()  # a card payment, whose charge cannot be listed today
    gig = await world.add_gig("XTR", 100)
    order = await world.place(gig, key="s1")
    world.payment(order)  # Telegram took the Stars; the update was lost
    world.clock.advance(GRACE * 2)
    world.gateway.fail_next(PaymentUnavailable(detail="Stripe is down"), "list_charges")
    with pytest.raises(PaymentUnavailable):
        await reconcile(world.uow, world.gateway, world.stars)  # strict: in-process checks

    for _run in range(2):  # the sweep lists again after booking what it found
        world.gateway.fail_next(PaymentUnavailable(detail="Stripe is down"), "list_charges")
    assert await sweeper.sweep() == 0
    assert (await world.order(order.id)).status == OrderStatus.in_progress
    sent = await alerts(world)
    assert any("stripe: not checked" in alert and "tomorrow" in alert for alert in sent)
    assert await check(world) == []  # Stripe is back: the card payment matches as well


async def test_a_payment_applied_after_the_sweep_refunded_it_starts_no_order(
    world: MoneyWorld,
) -> None:
    """The journal may apply a payment hours late; if the sweep refunded the charge as unplaced
    meanwhile, the order must not start on money that went back."""
    sweeper = service(world)
    order = await world.place(await world.add_gig())
    # Stripe holds the charge (Telegram's, with no metadata); the update is not applied yet.
    charge = world.gateway.create_charge(
        order.total_minor, "USD", description="Telegram payment by 2002"
    )
    payment = PaymentReceived(
        order.id, order.buyer_id, "USD", order.total_minor, "tg_late_1", charge
    )
    world.clock.advance(GRACE * 2)
    assert await sweeper.sweep() == 0
    assert world.gateway.charges[payment.provider_charge_id].refunded_minor == order.total_minor
    assert (await world.payments.confirm_payment(payment)).value == "settled_before"
    assert (await world.order(order.id)).status == OrderStatus.awaiting_payment
    assert await world.escrow(order.id) == 0
    assert any(payment.telegram_charge_id in alert for alert in await alerts(world))
    assert await check(world) == []


async def test_a_second_movement_naming_a_booked_provider_object_is_refused(
    world: MoneyWorld,
) -> None:
    """A repeat of a movement (same key) is ignored; another movement naming the same provider
    object is a bug, and raises instead of vanishing while the rest of its work commits."""
    order = await world.place(await world.add_gig())
    await world.payments.confirm_payment(world.payment(order))
    ref = f"stripe:{(await world.order(order.id)).provider_charge_id}"
    other = LedgerTransaction(
        key="test:other",
        kind="payment",
        entries=(Entry("external:stripe", Money(-1, "USD")), Entry("suspense:x", Money(1, "USD"))),
        provider_ref=ref,
    )
    with pytest.raises(IntegrityError):
        async with world.uow() as uow:
            await uow.ledger.record(other, world.clock.now())


async def test_a_second_charge_applied_after_the_sweep_refunded_it_is_not_booked_again(
    world: MoneyWorld,
) -> None:
    sweeper = service(world)
    order = await world.place(await world.add_gig())
    await world.payments.confirm_payment(world.payment(order))
    charge = world.gateway.create_charge(
        order.total_minor, "USD", description="Telegram payment by 2002"
    )
    second = PaymentReceived(
        order.id, order.buyer_id, "USD", order.total_minor, "tg_second_1", charge
    )
    world.clock.advance(GRACE * 2)
    assert await sweeper.sweep() == 0  # refunded as unplaced
    assert (await world.payments.confirm_payment(second)).value == "duplicate"
    assert len(world.gateway.calls_of("refund")) == 1  # not refunded a second time
    assert await check(world) == []
