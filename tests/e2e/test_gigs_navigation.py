"""Back and Cancel on every step of gig creation, and a restart in the middle of it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram_sim import Person
from tests.e2e.gig_steps import DESCRIPTION, PHOTO, TITLE, open_creation
from tests.harness import Harness

Action = Callable[[Person], Awaitable[object]]


def send(text: str) -> Action:
    return lambda p: p.send(text)


def tap(label: str) -> Action:
    return lambda p: p.tap(label)


def photo() -> Action:
    return lambda p: p.send_photo(PHOTO)


#: (what the seller does, a fragment of the question that comes next)
WALK: list[tuple[Action, str]] = [
    (send(TITLE), "Choose the category"),
    (tap("Graphics & Design"), "Search tags"),
    (send("logo, brand"), "Describe your gig"),
    (send(DESCRIPTION), "Basic package: give it a short name"),
    (send("Starter"), "Basic package: what is included"),
    (send("One concept with files"), "Basic package: the price"),
    (send("25"), "Basic package: delivery time"),
    (tap("3"), "Basic package: how many revisions"),
    (tap("2"), "Package saved"),
    (tap("Done with packages"), "Optional extras"),
    (tap("Add an extra"), "Title of the extra"),
    (send("Express delivery"), "Price of"),
    (send("10"), "change the delivery time"),
    (tap("Same time"), "extra revisions"),
    (tap("0"), "You have 1 (at most 5)"),
    (tap("Done with extras"), "Questions the buyer answers"),
    (tap("Add a question"), "Type the question"),
    (send("Your brand name?"), "How should the buyer answer"),
    (tap("Multiple choice"), "Send the options"),
    (send("Minimal, Bold"), "Must the buyer answer"),
    (tap("Required"), "You have 1 (at most 10)"),
    (tap("Done with questions"), "Send 1–3 photos"),
    (photo(), "1 received so far"),
    (tap("Done with photos"), "Preview"),
]


async def test_back_from_every_step_returns_to_the_previous_question(harness: Harness) -> None:
    ann = harness.user("ann")
    first = await open_creation(ann)
    assert first.button_texts[-2:] == ["⬅️ Back", "✖️ Cancel"]
    previous = "What do you offer?"
    for action, question in WALK:
        await action(ann)
        prompt = await ann.expect(question)
        if question != "Preview":
            assert "⬅️ Back" in prompt.button_texts and "✖️ Cancel" in prompt.button_texts, question
        else:
            card = await ann.expect("From")
            assert "⬅️ Back" in card.button_texts and "✖️ Cancel" in card.button_texts
        await ann.tap("⬅️ Back")
        await ann.expect(previous)
        await action(ann)
        await ann.expect(question)
        previous = question
    # Back from the very first question leaves creation for the seller menu
    await ann.expect("From")  # the preview card
    questions = ["What do you offer?", *(question for _, question in WALK)]
    for question in reversed(questions[:-1]):
        await ann.tap("⬅️ Back")
        await ann.expect(question)
    await ann.tap("⬅️ Back")
    await ann.expect("Create a gig")
    assert await harness.bot.deps.progress.get(ann.id) is None


async def test_cancel_at_any_step_publishes_nothing(harness: Harness) -> None:
    bea = harness.user("bea")
    for stop_after in (0, 1, 6, 12, 18, 23, len(WALK)):
        await open_creation(bea)
        for action, question in WALK[:stop_after]:
            await action(bea)
            await bea.expect(question)
        await bea.tap("✖️ Cancel")
        await bea.expect("Gig creation cancelled. Nothing was published.")
        assert await harness.bot.deps.progress.get(bea.id) is None
    async with harness.bot.deps.uow(read_only=True) as uow:
        assert await uow.gigs.list_by_seller(bea.id) == []


async def test_a_restart_in_the_middle_resumes_at_the_same_step(harness: Harness) -> None:
    cy = harness.user("cy")
    await open_creation(cy)
    for action, question in WALK[:6]:
        await action(cy)
        await cy.expect(question)
    await harness.bot.restart()
    await cy.send("25")  # the answer to the price question asked before the restart
    await cy.expect("Basic package: delivery time")
    await harness.bot.restart()
    await cy.send("/start")
    await cy.expect("Hi")
    await cy.tap("Sell a service")
    await cy.tap("Create a gig")
    resumed = await cy.expect("Welcome back!")
    assert "Basic package: delivery time" in resumed.text
    assert "🔄 Start over" in resumed.button_texts
    for action, question in WALK[7:]:
        await action(cy)
        await cy.expect(question)
    await cy.expect("From")
    await cy.tap("Publish")
    await cy.expect("is live!")
