"""Buyers order and pay through the simulator: the gig card's Order button to escrow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.ledger import escrow_account, negative_internal_accounts
from telegram_sim import Person
from tests.e2e.gig_steps import seed_live_gig
from tests.harness import Harness, start_harness
from tests.services.money_world import gig_draft


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Harness]:
    """The harness with both payment rails on and a (simulated) Stripe provider token."""
    sim, bot, clock = await start_harness(
        tmp_path, telegram_provider_token="284685063:TEST:sim", payment_rails=["stripe", "stars"]
    )
    try:
        yield Harness(sim, bot, clock)
    finally:
        await bot.stop()
        await sim.stop()


async def publish_gig(harness: Harness, seller: Person, currency: str = "USD") -> int:
    await seller.send("/start")  # a bot can only write to people who started it
    await seller.expect("Hi")
    photo = harness.sim.world.store_file("photo", b"\xff\xd8 logo", size=(640, 480)).file_id
    draft = gig_draft(currency, 2000 if currency != "XTR" else 100).model_copy(
        update={"photos": (photo,)}
    )
    return await seed_live_gig(harness, seller, draft)


async def books_balance(harness: Harness) -> dict[tuple[str, str], int]:
    async with harness.bot.deps.uow(read_only=True) as uow:
        balances = await uow.ledger.balances()
    totals: dict[str, int] = {}
    for (_account, currency), amount in balances.items():
        totals[currency] = totals.get(currency, 0) + amount
    assert all(t == 0 for t in totals.values()) and not negative_internal_accounts(balances)
    return balances


async def order_until_invoice(harness: Harness, buyer: Person, gig_id: int) -> None:
    await buyer.send(f"/start gig_{gig_id}")
    await buyer.expect("modern minimalist logo")
    await buyer.tap("Order from")
    await buyer.expect("Choose a package")
    await buyer.tap("Basic")
    await buyer.expect("Add extras")
    await buyer.tap("Express")
    await buyer.expect("Add extras")
    await buyer.tap("Continue")
    await buyer.expect("Brand name?")
    await buyer.send("Acme Corp")
    await buyer.expect("Style?")
    await buyer.tap("Flat")
    await buyer.expect("Anything else?")
    await buyer.tap("Skip")
    summary = await buyer.expect("Total:")
    assert "Service fee" in summary.text
    await buyer.tap("Confirm and pay")
    await buyer.expect("I will design")  # the invoice, titled after the gig


async def test_full_order_and_payment_into_escrow(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam", first_name="Sam"), harness.user("tom", first_name="Tom")
    gig_id = await publish_gig(harness, sam)
    await order_until_invoice(harness, tom, gig_id)
    result = await tom.pay()
    assert result.ok, result.error_message
    prices = harness.sim.calls_to("sendInvoice")[-1].params["prices"]
    assert [p["amount"] for p in prices] == [3000, 165, 200]  # minor units, one line each
    await tom.expect("Payment received")
    seller_note = await sam.expect("New order")
    assert "Acme Corp" in seller_note.text and "Decline" in " ".join(seller_note.button_texts)
    balances = await books_balance(harness)
    assert balances[(escrow_account(1), "USD")] == 3365


async def test_double_tap_on_confirm_makes_one_order(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam"), harness.user("tom")
    gig_id = await publish_gig(harness, sam)
    await order_until_invoice(harness, tom, gig_id)
    await tom.pay()
    await tom.expect("Payment received")
    answer = await tom.tap("Confirm and pay")
    assert "already confirmed" in (await answer.answer()).get("text", "")
    assert len(harness.sim.calls_to("sendInvoice")) == 1


async def test_duplicate_successful_payment_is_recorded_once(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam"), harness.user("tom")
    await order_until_invoice(harness, tom, await publish_gig(harness, sam))
    await tom.pay()
    await tom.expect("Payment received")
    payment_update = next(
        u
        for u in reversed(harness.sim.updates_sent)
        if "successful_payment" in u.get("message", {})
    )
    await harness.sim.redeliver(payment_update["update_id"])
    await tom.expect_nothing(within=0.5)
    assert (await books_balance(harness))[(escrow_account(1), "USD")] == 3365


async def test_seller_declines_and_stars_buyer_is_refunded(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam"), harness.user("tom")
    gig_id = await publish_gig(harness, sam, "XTR")
    await order_until_invoice(harness, tom, gig_id)
    assert (await tom.pay()).ok
    await sam.expect("New order")
    await sam.tap("Decline")
    await tom.expect_each("has been refunded", "seller declined")
    assert harness.sim.calls_to("refundStarPayment")
    assert (await books_balance(harness)).get((escrow_account(1), "XTR"), 0) == 0


async def test_expired_invoice_is_refused_at_pre_checkout(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam"), harness.user("tom")
    await order_until_invoice(harness, tom, await publish_gig(harness, sam))
    harness.clock.advance(harness.bot.settings.invoice_ttl)
    result = await tom.pay()
    assert not result.ok and "expired" in (result.error_message or "")


async def test_a_forged_question_index_gets_a_refusal(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam"), harness.user("tom")
    gig_id = await publish_gig(harness, sam)
    await tom.send(f"/start gig_{gig_id}")
    await tom.expect("modern minimalist logo")
    await tom.tap("Order from")
    await tom.expect("Choose a package")
    await tom.tap("Basic")
    await tom.expect("Add extras")
    await tom.tap("Continue")
    question = await tom.expect("Brand name?")
    for forged in (f"ochoice:{gig_id}:99:0", f"oskip:{gig_id}:99"):
        answer = await (await harness.forge_tap(tom, question, forged)).answer()
        assert "no longer valid" in answer.get("text", ""), forged
