"""Creating a gig end to end: every step, packages, extras, questions, photos, publish."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.tables import gig_extras, gig_packages, gig_requirements, gigs
from tests.e2e.gig_steps import PHOTO, add_package, answer_basics, gig_id_in, open_creation
from tests.harness import Harness


async def test_a_gig_with_three_packages_extras_and_questions_goes_live(harness: Harness) -> None:
    maya = harness.user("maya", first_name="Maya")
    await open_creation(maya)
    await answer_basics(maya)
    await add_package(maya, "Basic", "Starter", "25")
    await maya.expect("Package saved. You have 1")
    await maya.tap("Add the Standard package")
    await maya.expect("Standard package: give it a short name")
    await add_package(maya, "Standard", "Business", "$50.00", days="5", revisions="3")
    await maya.expect("Package saved. You have 2")
    await maya.tap("Add the Premium package")
    await maya.expect("Premium package: give it a short name")
    await add_package(maya, "Premium", "Complete", "90,50", days="7", revisions="Unlimited")
    # three packages is the most: no "Add" any more, extras come next
    extras = await maya.expect("Optional extras")
    assert "Add the" not in " ".join(extras.button_texts)
    await maya.tap("Add an extra")
    await maya.expect("Title of the extra")
    await maya.send("Delivery in 1 day")
    await maya.expect("Price of “Delivery in 1 day”")
    await maya.send("15")
    await maya.expect("change the delivery time")
    await maya.tap("2 day(s) faster")
    await maya.expect("extra revisions")
    await maya.tap("0")
    await maya.expect("You have 1 (at most 5)")
    await maya.tap("Done with extras")
    await maya.expect("Questions the buyer answers")
    await maya.tap("Add a question")
    await maya.expect("Type the question")
    await maya.send("What is your brand name?")
    await maya.expect("How should the buyer answer")
    await maya.tap("Text")
    await maya.expect("Must the buyer answer")
    await maya.tap("Required")
    await maya.expect("You have 1 (at most 10)")
    await maya.tap("Add a question")
    await maya.expect("Type the question")
    await maya.send("Which style do you like?")
    await maya.expect("How should the buyer answer")
    await maya.tap("Multiple choice")
    await maya.expect("Send the options")
    await maya.send("Minimal, Vintage, Playful")
    await maya.expect("Must the buyer answer")
    await maya.tap("Optional")
    await maya.expect("You have 2")
    await maya.tap("Done with questions")
    await maya.expect("Send 1–3 photos")
    await maya.send_photo(PHOTO)
    await maya.expect("1 received")
    await maya.send_photo(PHOTO + b"2")
    await maya.expect("2 received")
    await maya.tap("Done with photos")
    await maya.expect("Preview")
    card = await maya.expect("From")
    assert card.raw.get("photo"), "the preview is a photo card"
    assert "25.00 USD" in card.text and "Maya" in card.text and "New seller" in card.text
    assert "🚀 Publish" in card.button_texts
    # nothing is visible to buyers before Publish
    async with harness.bot.deps.uow(read_only=True) as uow:
        assert await uow.gigs.list_by_seller(maya.id) == []
    await maya.tap("Publish")
    live = await maya.expect("is live!")
    gig_id = gig_id_in(live.text)
    shared = await maya.expect("From")
    assert any(b.get("url", "").endswith(f"start=gig_{gig_id}") for b in shared.buttons)

    engine = harness.bot.app.bot_data["gigbroker.engine"] if harness.bot.app else None
    assert engine is not None
    async with engine.connect() as connection:
        gig = (await connection.execute(select(gigs))).mappings().one()
        packages = (await connection.execute(select(gig_packages))).mappings().all()
        extras = (await connection.execute(select(gig_extras))).mappings().all()
        questions = (await connection.execute(select(gig_requirements))).mappings().all()
    assert gig["status"] == "live" and gig["category"] == "graphics_design"
    assert sorted(p["price_minor"] for p in packages) == [2500, 5000, 9050]
    assert {p["tier"]: p["revisions"] for p in packages} == {
        "basic": 2,
        "standard": 3,
        "premium": None,
    }
    assert [(e["title"], e["price_minor"], e["extra_days"]) for e in extras] == [
        ("Delivery in 1 day", 1500, -2)
    ]
    assert [(q["kind"], q["required"], q["choices"]) for q in questions] == [
        ("text", True, []),
        ("choice", False, ["Minimal", "Vintage", "Playful"]),
    ]
    assert len(gig["photos"]) == 2
    # the conversation is over: a stray message is not taken as an answer
    await maya.send("hello")
    await maya.expect("I was not expecting a message here")
