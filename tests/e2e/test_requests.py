"""Buyer requests and custom offers through the simulator: post a request from the menu, the
right freelancers hear of it, an offer accepted becomes an invoice, payment goes to escrow;
Decline, expiry and forged buttons."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.domain.gig import Category
from bot.domain.ledger import escrow_account
from bot.handlers.requests.buttons import OFFER_ACCEPT, OFFER_START
from bot.storage.tables import buyer_requests
from telegram_sim import Person
from tests.e2e.gig_steps import seed_live_gig
from tests.e2e.order_steps import sweep
from tests.e2e.test_orders import books_balance, publish_gig, shop
from tests.harness import Harness
from tests.services.money_world import gig_draft

__all__ = ["shop"]  # the fixture, imported for these tests

BRIEF = "I need a modern minimalist logo for my coffee shop, with source files please."


async def publish_writing_gig(harness: Harness, seller: Person) -> int:
    await seller.send("/start")
    await seller.expect("Hi")
    draft = gig_draft().model_copy(
        update={
            "title": "I will translate your website into German",
            "category": Category.writing_translation,
            "tags": ("translation",),
        }
    )
    return await seed_live_gig(harness, seller, draft)


async def post_request(buyer: Person, text: str = BRIEF) -> None:
    await buyer.send("/start")
    await buyer.expect("Hi")
    await buyer.tap("Post a request")
    await buyer.expect("First, the category")
    await buyer.tap("Graphics & Design")
    await buyer.expect("What do you need?")
    await buyer.send("too short")
    await buyer.expect("20 to 1000 characters")  # refused, the step stays
    await buyer.send(text)
    await buyer.expect("Your budget in USD")
    await buyer.send("60")
    await buyer.expect("how many days")
    await buyer.send("5")
    summary = await buyer.expect("Your request")
    assert "60.00 USD" in summary.text
    await buyer.tap("Post the request")


async def send_offer(seller: Person, price: str = "50") -> None:
    await seller.expect("A buyer needs help")
    await seller.tap("Send an offer")
    await seller.expect("Your price in USD")
    await seller.send("1")
    await seller.expect("The price must be from")
    await seller.send(price)
    await seller.expect("Delivery in how many days")
    await seller.send("4")
    await seller.expect("Describe what you will deliver")
    await seller.send("Three logo concepts with vector source files and a style sheet.")
    await seller.expect("Offer sent")


async def request_id(harness: Harness) -> int:
    """The newest request's id (what a forger would guess)."""
    async with harness.bot.app.bot_data["gigbroker.engine"].connect() as connection:
        found = await connection.execute(select(func.max(buyer_requests.c.id)))
    return int(found.scalar_one())


async def test_request_offer_accept_pay_into_escrow(shop: Harness) -> None:
    harness = shop
    sam, wes = harness.user("sam", first_name="Sam"), harness.user("wes", first_name="Wes")
    tom = harness.user("tom", first_name="Tom")
    await publish_gig(harness, sam)
    await publish_writing_gig(harness, wes)
    await post_request(tom)
    await tom.expect("sent to 1 freelancers")
    await send_offer(sam)
    await wes.expect_nothing()  # another category: not told

    offer = await tom.expect("Offer from Sam")
    assert "50.00 USD" in offer.text and "Three logo concepts" in offer.text
    await tom.tap("Accept and pay")
    await tom.expect("I will design")  # the invoice, titled after the seller's gig
    again = await (await tom.tap("Accept and pay", message=offer)).answer()
    assert "already accepted" in again["text"]
    assert len(harness.sim.calls_to("sendInvoice")) == 1  # a double tap: one order, one invoice
    await sam.expect("accepted your offer")

    result = await tom.pay()
    assert result.ok, result.error_message
    await tom.expect("Payment received")
    await sam.expect("New order")
    async with harness.bot.deps.uow(read_only=True) as uow:
        orders = await uow.orders.for_party(tom.id, False, 5)
    assert len(orders) == 1 and orders[0].status == "in_progress"
    assert orders[0].total_minor == 5275  # 50.00 + 5.5% service fee, like a package order
    balances = await books_balance(harness)  # balanced, nothing internal negative
    assert balances[(escrow_account(orders[0].id), "USD")] == 5275


async def test_decline_expiry_and_forged_buttons(shop: Harness) -> None:
    harness = shop
    sam, wes = harness.user("sam", first_name="Sam"), harness.user("wes", first_name="Wes")
    tom, eve = harness.user("tom", first_name="Tom"), harness.user("eve")
    await publish_gig(harness, sam)
    await publish_writing_gig(harness, wes)
    await post_request(tom)
    await tom.expect("sent to 1 freelancers")
    first = await request_id(harness)

    # Wes was not sent the request: a hand-made "Send an offer" is refused.
    await wes.send("/start")
    anchor = await wes.expect("Hi")
    refused = await (await harness.forge_tap(wes, anchor, OFFER_START.pack(req=first))).answer()
    assert refused.get("show_alert")
    await send_offer(sam)
    offer = await tom.expect("Offer from Sam")
    # Eve is not the buyer: her Accept of Tom's offer is refused, nothing is ordered.
    await eve.send("/start")
    eve_anchor = await eve.expect("Hi")
    forged = await (await harness.forge_tap(eve, eve_anchor, OFFER_ACCEPT.pack(offer=1))).answer()
    assert forged.get("show_alert")
    await tom.tap("Decline", message=offer)
    await tom.expect("You declined the offer")
    await sam.expect("declined your offer")
    assert not harness.sim.calls_to("sendInvoice")

    # A second request expires unanswered: the sweep tells the buyer; offers are refused.
    await post_request(tom, BRIEF.replace("coffee shop", "bakery"))
    await tom.expect("sent to 1 freelancers")
    notice = await sam.expect("bakery")
    harness.clock.advance(harness.bot.deps.settings.request_ttl + timedelta(minutes=1))
    await sweep(harness)
    await tom.expect("expired without an accepted offer")
    late = await (await sam.tap("Send an offer", message=notice)).answer()
    assert "expired" in late["text"]
