"""Buyer requests and custom offers against SQLite, the real search index and the money world:
who hears about a request, offers, Accept into a paid order, Decline, expiry, forged buttons."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.bootstrap import build_services
from bot.domain.briefs import OfferStatus
from bot.domain.gig import Category, GigStatus, validate_for_publish
from bot.errors import NotAllowed, NotFound, ValidationFailed
from bot.services.ports import TelegramIdentity
from bot.services.requests.briefs import EXPIRED, BriefService, MakeOffer, PostBrief
from bot.storage.tables import orders
from tests.services.money_world import BUYER, SELLER, MoneyWorld, gig_draft

ALICE, BOB, CAROL, DAVE = 3001, 3002, 3003, 3004
BRIEF = "I need a modern minimalist logo for my coffee shop, with source files please."


def briefs(world: MoneyWorld, **settings: object) -> BriefService:
    configured = world.settings.model_copy(update=settings) if settings else world.settings
    return build_services(configured, world.adapters()).of(BriefService)


async def add_seller(world: MoneyWorld, seller_id: int, **changes: object) -> int:
    status = changes.pop("status", GigStatus.live)
    assert isinstance(status, GigStatus)
    spec = validate_for_publish(gig_draft().model_copy(update=changes))
    now = world.clock.now()
    async with world.uow() as uow:
        await uow.users.upsert_identity(TelegramIdentity(seller_id, f"S{seller_id}"), now)
        return await uow.gigs.add(seller_id, spec, status, now)


def writing_gig() -> dict[str, object]:
    return {
        "title": "I will translate your website into German",
        "category": Category.writing_translation,
        "tags": ("translation",),
        "description": "Careful human translation of your pages, checked by a native speaker.",
    }


async def post(service: BriefService, key: str = "p1", **changes: object) -> int:
    request = PostBrief(
        buyer_id=BUYER,
        category="graphics_design",
        text=BRIEF,
        budget_minor=6000,
        deadline_days=5,
        post_key=key,
        identity=TelegramIdentity(BUYER, "Tom"),
    )
    posted = await service.post(replace(request, **changes))  # type: ignore[arg-type]
    return posted.brief.id


def offer(request_id: int, seller: int = ALICE, price: int = 5000) -> MakeOffer:
    return MakeOffer(seller, request_id, price, 4, "A logo in three concepts, vector files.")


async def notified(world: MoneyWorld, kind: str) -> set[int]:
    return {chat for chat, k in await world.outbox_kinds() if k == kind}


async def test_a_request_reaches_fitting_freelancers_only(world: MoneyWorld) -> None:
    await add_seller(world, ALICE)
    await add_seller(world, BOB, status=GigStatus.paused)  # paused: not live, not told
    await add_seller(world, CAROL, **writing_gig())  # another category
    await add_seller(world, BUYER)  # the buyer's own logo gig
    service = briefs(world)
    request_id = await post(service)
    assert await notified(world, "brief.new") == {ALICE}
    # A double tap on Post (same key) makes one request and tells nobody twice.
    assert await post(service) == request_id
    assert await notified(world, "brief.new") == {ALICE}


async def test_at_most_request_max_sellers_one_notice_each(world: MoneyWorld) -> None:
    for seller in (ALICE, BOB, CAROL, DAVE):
        await add_seller(world, seller)
    await add_seller(world, ALICE)  # a second gig: still one notice for Alice
    service = briefs(world, request_max_sellers=2)
    await post(service)
    kinds = [k for _chat, k in await world.outbox_kinds() if k == "brief.new"]
    assert len(kinds) == 2


async def test_category_fallback_when_no_words_match(world: MoneyWorld) -> None:
    await add_seller(world, ALICE)
    service = briefs(world)
    await post(service, text="Something entirely different: a mascot for a football club.")
    assert await notified(world, "brief.new") == {ALICE}


async def test_accepted_offer_becomes_a_paid_order_in_escrow(world: MoneyWorld) -> None:
    await add_seller(world, ALICE)
    await add_seller(world, BOB)
    service = briefs(world)
    request_id = await post(service)
    first = await service.make_offer(offer(request_id, ALICE, 5000))
    second = await service.make_offer(offer(request_id, BOB, 7000))
    assert await notified(world, "offer.new") == {BUYER}
    order, created = await service.accept(BUYER, first.id)
    assert created and order.status == "awaiting_payment" and order.seller_id == ALICE
    # 50.00; 5.5% buyer fee = 2.75; not a small order: same fees as a package order.
    assert (order.subtotal_minor, order.service_fee_minor, order.total_minor) == (5000, 275, 5275)
    assert order.snapshot["offer_id"] == first.id and order.confirm_key == f"offer:{first.id}"
    assert order.delivery_days == 4
    await world.payments.confirm_payment(world.payment(order))
    assert (await world.order(order.id)).status == "in_progress"
    assert await world.escrow(order.id) == 5275
    async with world.uow(read_only=True) as uow:
        assert (await uow.briefs.offer(second.id)).status == OfferStatus.closed  # type: ignore[union-attr]
        assert (await uow.briefs.offer(first.id)).order_id == order.id  # type: ignore[union-attr]
    assert await notified(world, "offer.accepted") == {ALICE}
    assert await notified(world, "offer.closed") == {BOB}
    with pytest.raises(NotAllowed):  # the request took an offer: no more
        await service.make_offer(offer(request_id, BOB))
    # world.check_books() (fixture teardown) checks the ledger balances and escrow.


async def test_double_tap_on_accept_makes_one_order(world: MoneyWorld) -> None:
    await add_seller(world, ALICE)
    service = briefs(world)
    sent = await service.make_offer(offer(await post(service)))
    results = await asyncio.gather(*(service.accept(BUYER, sent.id) for _ in range(3)))
    assert len({order.id for order, _created in results}) == 1
    assert sorted(created for _order, created in results) == [False, False, True]
    async with world.engine.connect() as connection:
        assert (await connection.execute(select(func.count()).select_from(orders))).scalar() == 1


async def test_decline(world: MoneyWorld) -> None:
    await add_seller(world, ALICE)
    service = briefs(world)
    sent = await service.make_offer(offer(await post(service)))
    declined = await service.decline(BUYER, sent.id)
    assert declined.id == sent.id
    assert await notified(world, "offer.declined") == {ALICE}
    with pytest.raises(NotAllowed):
        await service.accept(BUYER, sent.id)
    with pytest.raises(NotAllowed):
        await service.decline(BUYER, sent.id)


async def test_expired_request_refuses_offers(world: MoneyWorld) -> None:
    await add_seller(world, ALICE)
    await add_seller(world, BOB)
    service = briefs(world)
    request_id = await post(service)
    pending = await service.make_offer(offer(request_id, ALICE))
    world.clock.advance(world.settings.request_ttl)
    assert await service.expire_due() == 1
    assert await service.expire_due() == 0  # idempotent
    with pytest.raises(NotAllowed) as refused:
        await service.make_offer(offer(request_id, BOB))
    assert refused.value.message == EXPIRED
    with pytest.raises(NotAllowed):
        await service.offer_form(BOB, request_id)
    with pytest.raises(NotAllowed):
        await service.accept(BUYER, pending.id)
    assert await notified(world, "brief.expired") == {BUYER}
    assert await notified(world, "offer.closed") == {ALICE}


async def test_past_ttl_refuses_even_before_the_sweep(world: MoneyWorld) -> None:
    await add_seller(world, ALICE)
    service = briefs(world)
    request_id = await post(service)
    world.clock.advance(world.settings.request_ttl)
    with pytest.raises(NotAllowed):
        await service.make_offer(offer(request_id))


async def test_forged_and_invalid_answers_are_refused(world: MoneyWorld) -> None:
    await add_seller(world, ALICE)
    await add_seller(world, CAROL, **writing_gig())
    service = briefs(world)
    request_id = await post(service)
    with pytest.raises(NotAllowed):  # Carol was never sent this request
        await service.make_offer(offer(request_id, CAROL))
    with pytest.raises(NotFound):
        await service.make_offer(offer(9999))
    with pytest.raises(ValidationFailed):  # below the price floor
        await service.make_offer(offer(request_id, ALICE, 100))
    with pytest.raises(ValidationFailed):
        await service.make_offer(replace(offer(request_id), delivery_days=0))
    sent = await service.make_offer(offer(request_id))
    with pytest.raises(ValidationFailed):  # one offer per freelancer and request
        await service.make_offer(offer(request_id))
    with pytest.raises(NotAllowed):  # only the request's buyer may accept
        await service.accept(SELLER, sent.id)
    with pytest.raises(NotAllowed):
        await service.decline(ALICE, sent.id)
    with pytest.raises(ValidationFailed):
        await post(service, key="p2", budget_minor=10)
    with pytest.raises(ValidationFailed):
        await post(service, key="p3", text="too short")


async def test_an_offer_racing_an_accept_is_closed_or_refused_never_left_pending(
    world: MoneyWorld,
) -> None:
    """On PostgreSQL the two run interleaved: the new offer must not land on the request after
    the accept closed the others (it would stay pending on a taken request)."""
    await add_seller(world, ALICE)
    await add_seller(world, BOB)
    service = briefs(world)
    request_id = await post(service)
    first = await service.make_offer(offer(request_id, ALICE))
    outcomes = await asyncio.gather(
        service.accept(BUYER, first.id),
        service.make_offer(offer(request_id, BOB)),
        return_exceptions=True,
    )
    assert not isinstance(outcomes[0], BaseException), outcomes[0]
    assert not isinstance(outcomes[1], BaseException) or isinstance(outcomes[1], NotAllowed)
    async with world.uow(read_only=True) as uow:
        statuses = {o.seller_id: o.status for o in await uow.briefs.offers_for(request_id)}
    assert statuses[ALICE] == OfferStatus.accepted
    assert statuses.get(BOB, OfferStatus.closed) == OfferStatus.closed
