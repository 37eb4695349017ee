"""Editing a live gig's extras and requirement questions: added, changed and removed
from the edit menu with the creation rules, while an order placed before keeps its snapshot."""

from __future__ import annotations

from bot.domain.gig import RequirementKind
from bot.domain.ledger import escrow_account
from bot.handlers.gigs.panel import GX
from telegram_sim import Person
from tests.e2e.test_orders import books_balance, order_until_invoice, publish_gig, shop
from tests.harness import Harness

__all__ = ["shop"]


async def _edit_menu(seller: Person, gig_id: int, item: str) -> None:
    await seller.send(f"/start gig_{gig_id}")
    await seller.expect("This is your gig.")
    await seller.tap("✏️ Edit")
    await seller.expect("What do you want to change")
    await seller.tap(item)


async def test_extras_and_questions_edited_while_a_placed_order_keeps_its_snapshot(
    shop: Harness,
) -> None:
    harness = shop
    sam, tom = harness.user("sam", first_name="Sam"), harness.user("tom", first_name="Tom")
    gig_id = await publish_gig(harness, sam)
    await order_until_invoice(harness, tom, gig_id)  # Basic 20.00 + Express 10.00, answered

    # Questions: remove "Brand name?", add a multiple-choice one (a bad value first).
    await _edit_menu(sam, gig_id, "Questions")
    menu = await sam.expect("Brand name?")
    assert "Anything else?" in menu.text and "(optional)" in menu.text
    await sam.tap("🗑 Remove", menu)
    listing = await sam.expect("Questions")
    assert "Brand name?" not in listing.text and "Style?" in listing.text
    await sam.tap("➕ Add a question")
    await sam.expect("Type the question for the buyer")
    await sam.send("Hm")
    await sam.expect("must be 5 to 300 characters")  # same step
    await sam.send("Which colours do you like?")
    await sam.expect("How should the buyer answer it?")
    await sam.tap("🔘 Multiple choice")
    await sam.expect("Send the options")
    await sam.send("Red, Blue, Green")
    await sam.expect("Must the buyer answer it")
    await sam.tap("Required")
    await sam.expect("✅ Saved.")

    # Extras: a duplicate title is refused; "Express" is changed to 50.00, same time.
    await _edit_menu(sam, gig_id, "Extras")
    await sam.expect("Express")
    await sam.tap("➕ Add an extra")
    await sam.expect("Title of the extra")
    await sam.send("express")
    await sam.expect("You already have an extra called")
    await sam.tap("✖️ Cancel")
    await sam.expect("Nothing was changed.")
    await sam.tap("✏️ 1. Express")
    await sam.expect("Title of the extra")
    await sam.send("Express")  # its own title is fine when changing it
    await sam.expect("Price of “Express”")
    await sam.send("50")
    await sam.expect("change the delivery time")
    await sam.send("-9")
    await sam.expect("can save at most")
    await sam.tap("Same time")
    await sam.expect("How many extra revisions")
    await sam.tap("1")
    await sam.expect("✅ Saved.")
    await _edit_menu(sam, gig_id, "Extras")
    extras = await sam.expect("Express")
    assert "+50.00 USD" in extras.text and "+1 revision(s)" in extras.text

    async with harness.bot.deps.uow(read_only=True) as uow:
        record = await uow.gigs.get(gig_id)
    assert record is not None and record.status.value == "live"
    assert [r.question for r in record.spec.requirements] == [
        "Style?",
        "Anything else?",
        "Which colours do you like?",
    ]
    assert record.spec.requirements[-1].kind is RequirementKind.choice
    assert [(e.title, e.price.amount_minor, e.extra_days) for e in record.spec.extras] == [
        ("Express", 5000, 0)
    ]

    # The order placed before the edits: old price paid, old questions and answers shown.
    assert (await tom.pay()).ok
    await tom.expect("Payment received")
    notice = await sam.expect("New order")
    assert "Brand name?" in notice.text and "Acme Corp" in notice.text
    assert "Which colours" not in notice.text
    assert (await books_balance(harness))[(escrow_account(1), "USD")] == 3365


async def test_someone_else_cannot_edit_extras_or_questions(shop: Harness) -> None:
    harness = shop
    sam, eve = harness.user("sam"), harness.user("eve")
    gig_id = await publish_gig(harness, sam)
    await eve.send("/start")
    menu = await eve.expect("Hi")
    for data in (
        GX.pack(gig=gig_id, kind="x", op="del", index=0, v=1),
        GX.pack(gig=gig_id, kind="q", op="add", index=-1, v=1),
        GX.pack(gig=gig_id, kind="q", op="show", index=0, v=1),
    ):
        answer = await (await harness.forge_tap(eve, menu, data)).answer()
        assert answer.get("show_alert") is True and "not your gig" in answer["text"], data
    async with harness.bot.deps.uow(read_only=True) as uow:
        record = await uow.gigs.get(gig_id)
    assert record is not None and record.version == 1 and len(record.spec.extras) == 1


async def test_a_double_tapped_remove_removes_one_question(shop: Harness) -> None:
    """The second tap of the same Remove (the list it was on is outdated) removes nothing and
    says so, instead of removing the question that moved up into that place."""
    harness = shop
    sam = harness.user("sam", first_name="Sam")
    gig_id = await publish_gig(harness, sam)
    await _edit_menu(sam, gig_id, "Questions")
    menu = await sam.expect("Brand name?")
    await sam.tap("🗑 Remove", menu)
    listing = await sam.expect("Questions")
    assert "Brand name?" not in listing.text and "Style?" in listing.text
    second = await sam.tap("🗑 Remove", menu)  # the same button on the old list
    answer = await second.answer()
    assert "changed at the same moment" in answer["text"]
    async with harness.bot.deps.uow(read_only=True) as uow:
        record = await uow.gigs.get(gig_id)
    assert record is not None
    assert [q.question for q in record.spec.requirements] == ["Style?", "Anything else?"]
