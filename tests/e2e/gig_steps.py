"""Shared steps for the gig end-to-end tests: a seller walking through creation by taps."""

from __future__ import annotations

from bot.domain.gig import GigDraft, GigStatus, validate_for_publish
from bot.services.ports import TelegramIdentity
from telegram_sim import BotMessage, Person
from tests.harness import Harness

PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

TITLE = "I will design a minimalist logo for your brand"
DESCRIPTION = (
    "A clean, modern logo made for your brand. You get sketches, two concepts and the final "
    "files in every format you need."
)


async def open_creation(seller: Person) -> BotMessage:
    await seller.send("/start")
    await seller.expect("Hi")
    await seller.tap("Sell a service")
    await seller.expect("Sell a service")
    await seller.tap("Create a gig")
    return await seller.expect("What do you offer?")


async def answer_basics(
    seller: Person, title: str = TITLE, description: str = DESCRIPTION, tags: str = "logo, brand"
) -> None:
    await seller.send(title)
    await seller.expect("Choose the category")
    await seller.tap("Graphics & Design")
    await seller.expect("Search tags")
    await seller.send(tags)
    await seller.expect("Describe your gig")
    await seller.send(description)
    await seller.expect("Basic package: give it a short name")


async def add_package(
    seller: Person, tier: str, name: str, price: str, days: str = "3", revisions: str = "2"
) -> None:
    """Answer one package's questions (the name prompt must be on screen already)."""
    await seller.send(name)
    await seller.expect(f"{tier} package: what is included?")
    await seller.send(f"{name} logo with source files and a style sheet")
    await seller.expect(f"{tier} package: the price")
    await seller.send(price)
    await seller.expect(f"{tier} package: delivery time")
    await seller.tap(days)
    await seller.expect(f"{tier} package: how many revisions")
    await seller.tap(revisions)


async def finish_without_extras(seller: Person) -> BotMessage:
    """From the "package saved" prompt (one package) to the preview, with one photo."""
    await seller.expect("Package saved")
    await seller.tap("Done with packages")
    await seller.expect("Optional extras")
    await seller.tap("Skip: no extras")
    await seller.expect("Questions the buyer answers")
    await seller.tap("Skip: no questions")
    await seller.expect("Send 1–3 photos")
    await seller.send_photo(PHOTO)
    await seller.expect("1 received so far")
    await seller.tap("Done with photos")
    await seller.expect("Preview")
    return await seller.expect("From")


async def publish_simple_gig(seller: Person, title: str = TITLE) -> int:
    """A one-package gig, published; returns its id (read from the share link)."""
    await open_creation(seller)
    await answer_basics(seller, title=title)
    await add_package(seller, "Basic", "Starter", "25")
    await finish_without_extras(seller)
    await seller.tap("Publish")
    live = await seller.expect("is live!")
    return gig_id_in(live.text)


def gig_id_in(text: str) -> int:
    return int(text.split("start=gig_")[1].split()[0])


async def seed_live_gig(harness: Harness, seller: Person, draft: GigDraft) -> int:
    """A live gig written straight through the repository, as publishing leaves it.

    For tests about what happens after publishing; creation by taps has its own tests.
    """
    now = harness.clock.now()
    async with harness.bot.deps.uow() as uow:
        await uow.users.upsert_identity(TelegramIdentity(seller.id, seller.user.first_name), now)
        return await uow.gigs.add(seller.id, validate_for_publish(draft), GigStatus.live, now)
