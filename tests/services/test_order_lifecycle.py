"""After payment, at the service level: completion, cancellations, disputes, reviews, races.

Every test ends with `check_books` (the `world` fixture): each currency sums to zero, no
internal account is negative, and a closed order's escrow is empty.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.domain.ledger import PLATFORM_FEES, seller_payable
from bot.domain.order import OrderStatus
from bot.errors import Conflict, GigBrokerError, NotAllowed, TransitionRefused
from tests.services.money_world import ADMIN, BUYER, SELLER, MoneyWorld
from tests.services.order_life import FILE_PART, TEXT_PART, Life
from tests.services.test_payouts_webhooks import onboard_seller


async def balance(world: MoneyWorld, account: str, currency: str = "USD") -> int:
    async with world.uow(read_only=True) as uow:
        return await uow.ledger.balance(account, currency)


async def test_approval_releases_escrow_in_one_transaction(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.delivered()
    await life.delivery.approve(order.id, BUYER)
    closed = await world.order(order.id)
    assert closed.status == OrderStatus.completed
    assert await world.escrow(order.id) == 0
    # subtotal 2000, commission 20% = 400: seller 1600, platform 400 + the buyer's fees
    assert await balance(world, seller_payable(SELLER)) == 1600
    assert await balance(world, PLATFORM_FEES) == order.total_minor - 1600
    async with world.uow(read_only=True) as uow:
        kinds = [t.kind for t in await uow.ledger.order_transactions(order.id)]
    assert kinds == ["payment", "release"]


async def test_payout_picks_up_an_approved_order_after_clearance(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.delivered()
    await life.delivery.approve(order.id, BUYER)
    await onboard_seller(world)
    assert await world.payouts.pay_due() == 0  # not cleared yet
    world.clock.advance(world.settings.clearance_period + timedelta(minutes=1))
    assert await world.payouts.pay_due() == 1
    assert await balance(world, seller_payable(SELLER)) == 0


async def test_revisions_up_to_the_limit_then_refused(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.delivered()  # basic package: 1 revision
    before = (await world.order(order.id)).due_at
    await life.delivery.request_revision(order.id, BUYER, "Please make the blue darker")
    revised = await world.order(order.id)
    assert revised.status == OrderStatus.in_progress and revised.revisions_used == 1
    assert revised.due_at is not None and before is not None and revised.due_at > before
    assert revised.auto_complete_at is None
    await life.delivery.deliver(order.id, SELLER, [TEXT_PART])
    with pytest.raises(TransitionRefused) as refused:
        await life.delivery.request_revision(order.id, BUYER, "And once more please")
    assert "revisions" in refused.value.render_untranslated()


async def test_auto_complete_is_due_only_after_the_wait_and_reminds_once(
    world: MoneyWorld,
) -> None:
    life = Life.of(world)
    order = await life.delivered()
    assert await life.delivery.auto_complete_due() == 0
    world.clock.advance(world.settings.auto_complete_after - timedelta(hours=23))
    assert await life.delivery.remind_auto_complete() == 1
    assert await life.delivery.remind_auto_complete() == 0  # deduplicated
    world.clock.advance(timedelta(hours=23))
    assert await life.delivery.auto_complete_due() == 1
    assert (await world.order(order.id)).status == OrderStatus.completed
    assert await world.escrow(order.id) == 0


async def test_approve_racing_auto_complete_gives_one_outcome(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.delivered()
    world.clock.advance(world.settings.auto_complete_after)
    results = await asyncio.gather(
        life.delivery.approve(order.id, BUYER),
        life.delivery.auto_complete_due(),
        return_exceptions=True,
    )
    approved = not isinstance(results[0], BaseException)
    assert approved != (results[1] == 1), results
    async with world.uow(read_only=True) as uow:
        kinds = [t.kind for t in await uow.ledger.order_transactions(order.id)]
    assert kinds.count("release") == 1


async def test_cancel_racing_deliver_gives_one_outcome(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.paid()
    results = await asyncio.gather(
        life.cancels.buyer_cancel(order.id, BUYER, late=False),
        life.delivery.deliver(order.id, SELLER, [TEXT_PART]),
        return_exceptions=True,
    )
    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(failures) == 1 and isinstance(failures[0], GigBrokerError), results
    status = (await world.order(order.id)).status
    assert status in (OrderStatus.cancelled, OrderStatus.delivered)


async def test_buyer_cancels_before_start_and_is_refunded(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.paid()
    await life.cancels.buyer_cancel(order.id, BUYER, late=False)
    assert (await world.order(order.id)).status == OrderStatus.cancelled
    assert await world.escrow(order.id) == 0


async def test_cancel_before_start_refused_once_the_seller_started(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.paid()
    await life.delivery.start_work(order.id, SELLER)
    with pytest.raises(TransitionRefused):
        await life.cancels.buyer_cancel(order.id, BUYER, late=False)
    with pytest.raises(TransitionRefused):  # not late yet either
        await life.cancels.buyer_cancel(order.id, BUYER, late=True)


async def test_late_order_notice_once_then_cancel_with_refund(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.paid("XTR")
    await life.delivery.start_work(order.id, SELLER)
    world.clock.advance(timedelta(days=order.delivery_days, minutes=1))
    assert await life.cancels.late_notices() == 2  # buyer and seller
    assert await life.cancels.late_notices() == 0
    await life.cancels.buyer_cancel(order.id, BUYER, late=True)
    assert await world.escrow(order.id, "XTR") == 0
    assert world.stars.refunded


async def test_extension_declined_keeps_the_due_date(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.paid()
    await life.cancels.request_extension(order.id, SELLER, 2)
    with pytest.raises(NotAllowed):
        await life.cancels.answer_extension(order.id, SELLER, True)
    await life.cancels.answer_extension(order.id, BUYER, False)
    after = await world.order(order.id)
    assert after.due_at == order.due_at and after.extension_days is None
    await life.cancels.request_extension(order.id, SELLER, 3)
    await life.cancels.answer_extension(order.id, BUYER, True)
    assert order.due_at is not None
    assert (await world.order(order.id)).due_at == order.due_at + timedelta(days=3)


async def test_mutual_cancel_accepted_or_timed_out(world: MoneyWorld) -> None:
    life = Life.of(world)
    first = await life.paid()
    await life.cancels.request_mutual_cancel(first.id, SELLER)
    with pytest.raises(NotAllowed):
        await life.cancels.answer_mutual_cancel(first.id, SELLER, True)
    await life.cancels.answer_mutual_cancel(first.id, BUYER, True)
    assert (await world.order(first.id)).status == OrderStatus.cancelled
    second = await life.paid(key="k2")
    await life.cancels.request_mutual_cancel(second.id, BUYER)
    assert await life.cancels.mutual_cancel_due() == 0
    world.clock.advance(world.settings.mutual_cancel_timeout + timedelta(seconds=1))
    assert await life.cancels.mutual_cancel_due() == 1
    assert (await world.order(second.id)).status == OrderStatus.cancelled
    assert await world.escrow(second.id) == 0


@pytest.mark.parametrize("outcome", ["release", "refund", "split"])
async def test_dispute_resolved_each_way(world: MoneyWorld, outcome: str) -> None:
    life = Life.of(world)
    order = await life.delivered()
    await life.disputes.open_dispute(order.id, BUYER, "The logo is not what I ordered", [FILE_PART])
    frozen = await world.order(order.id)
    assert frozen.status == OrderStatus.disputed and frozen.auto_complete_at is None
    world.clock.advance(timedelta(days=30))
    assert await life.delivery.auto_complete_due() == 0  # frozen
    with pytest.raises(NotAllowed):  # a party cannot resolve, even with a forged button
        await life.disputes.release(order.id, BUYER)
    if outcome == "release":
        await life.disputes.release(order.id, ADMIN)
        assert await balance(world, seller_payable(SELLER)) == 1600
    elif outcome == "refund":
        await life.disputes.refund(order.id, ADMIN)
    else:
        await life.disputes.split(order.id, ADMIN, 40)
        assert world.gateway.refunds  # the buyer's 40% went back through the provider
        assert await balance(world, seller_payable(SELLER)) > 0
    assert await world.escrow(order.id) == 0
    with pytest.raises(Conflict):
        await life.disputes.release(order.id, ADMIN)


async def test_reviews_both_ways_once_and_within_the_window(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.delivered()
    with pytest.raises(TransitionRefused):
        await life.reviews.leave(order.id, BUYER, 5, "early")
    await life.delivery.approve(order.id, BUYER)
    assert await life.reviews.leave(order.id, BUYER, 5, "Great work")
    with pytest.raises(Conflict):
        await life.reviews.leave(order.id, BUYER, 4)
    with pytest.raises(NotAllowed):
        await life.reviews.leave(order.id, ADMIN, 1)
    world.clock.advance(world.settings.review_window + timedelta(seconds=1))
    with pytest.raises(TransitionRefused):
        await life.reviews.leave(order.id, SELLER, 5)
    rating = await life.reviews.gig_rating(order.gig_id)
    assert (rating.average, rating.count) == (5.0, 1)


async def test_order_chat_masks_contacts_and_refuses_strangers(world: MoneyWorld) -> None:
    life = Life.of(world)
    order = await life.paid()
    relayed = await life.chat.relay(order.id, BUYER, 1, text="mail me: tom@example.com")
    assert relayed.recipient_id == SELLER and relayed.masked == 1
    with pytest.raises(NotAllowed):
        await life.chat.relay(order.id, ADMIN, 2, text="hello")
    view = await life.chat.view(order.id, SELLER)
    assert view.can_chat and view.can_ask_extension
