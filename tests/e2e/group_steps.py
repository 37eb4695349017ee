"""Shared steps for the group tests: a live gig, and a group set up by its admin with taps."""

from __future__ import annotations

from bot.domain.gig import Category, GigDraft, PackageDraft, PackageTier
from bot.domain.money import Money
from bot.services.gigs.catalog import GigService
from bot.services.ports import TelegramIdentity
from telegram_sim import Group, Person
from tests.harness import Harness

PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
DESCRIPTION = (
    "A clean, modern piece of work made for your brand, with sketches, two concepts and the "
    "final files in every format you need."
)


async def live_gig(
    harness: Harness,
    seller: Person,
    title: str = "I will design a minimalist logo for your brand",
    price_minor: int = 2500,
    category: Category = Category.graphics_design,
) -> int:
    """Publish a gig through the gig service (the same call the creation flow ends with)."""
    sent = await seller.send_photo(PHOTO)
    file_id = sent["photo"][-1]["file_id"]
    draft = GigDraft(
        title=title,
        category=category,
        tags=("logo",),
        description=DESCRIPTION,
        packages=(
            PackageDraft(
                tier=PackageTier.basic,
                name="Starter",
                description="One logo with source files",
                price=Money(price_minor, "USD"),
                delivery_days=3,
                revisions=2,
            ),
        ),
        photos=(file_id,),
    )
    identity = TelegramIdentity(seller.id, seller.user.first_name, seller.user.username, "en")
    card = await harness.bot.deps.service(GigService).publish(identity, draft)
    assert card.gig_id is not None
    return card.gig_id


async def set_up_group(
    harness: Harness,
    admin: Person,
    members: tuple[Person, ...] = (),
    title: str = "Design Freelancers",
    supergroup: bool = True,
) -> Group:
    """The admin adds the bot, opens the panel and starts posting."""
    group = harness.sim.group(title, admins=[admin], members=members, supergroup=supergroup)
    await group.add_bot(by=admin)
    await group.expect("Thanks for adding Gig Broker")
    await admin.tap("Set up", chat=group)
    await group.expect("Status: ⏸ paused")
    await admin.tap("Start posting", chat=group)
    await group.expect("Status: ▶️ posting")
    return group
