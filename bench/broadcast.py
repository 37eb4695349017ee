"""Fan-out of one new gig to many subscribed groups under Telegram's flood limits (prints figures).

    python -m bench.broadcast --groups 1000

The real bot (composition root, outbox, rate limiter) runs against the simulator with
Telegram's flood limits ON (30 messages a second overall, 20 a minute per group, 429 with
retry_after beyond that). N groups are subscribed (instant mode, no filters); one gig is
published through the gig service, whose unit of work queues one post per group; the outbox
sender delivers them. Reported: time from publish to the last post, posts lost (groups without
exactly one post), 429 answers, and the ratio to the floor the limits allow (N / 30 per second).
Not a test: nothing passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bot.clock import SystemClock
from bot.demo.local import LocalBot, local_settings, sqlite_url
from bot.domain.gig import Category, GigDraft, PackageDraft, PackageTier
from bot.domain.groups import ChatStatus
from bot.domain.money import Money
from bot.services.gigs.catalog import GigService
from bot.services.ports import TelegramIdentity
from telegram_sim import FloodLimits, SimServer
from telegram_sim.model import Member

GLOBAL_PER_SECOND = 30.0
PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _draft(file_id: str) -> GigDraft:
    return GigDraft(
        title="I will design a minimalist logo for your brand",
        category=Category.graphics_design,
        tags=("logo",),
        description="A clean, modern logo made for your brand, with sketches, two concepts "
        "and the final files in every format you need.",
        packages=(
            PackageDraft(
                tier=PackageTier.basic,
                name="Starter",
                description="One logo with source files",
                price=Money(2500, "USD"),
                delivery_days=3,
                revisions=2,
            ),
        ),
        photos=(file_id,),
    )


async def run(groups: int) -> None:
    """Subscribe the groups, publish one gig, wait for the outbox to empty, print figures."""
    with tempfile.TemporaryDirectory(prefix="gigbroker-bench-") as folder:
        sim = await SimServer(flood_limits=FloodLimits(), long_poll_cap=0.2).start()
        bot = LocalBot(local_settings(sim, sqlite_url(Path(folder))), SystemClock())
        await bot.start()
        try:
            admin = sim.user("admin")
            seller = sim.user("seller")
            chat_ids = []
            now = SystemClock().now()
            async with bot.deps.uow() as uow:
                for index in range(groups):
                    group = sim.group(f"Group {index}", admins=[admin], supergroup=True)
                    group.chat.members[sim.bot_id] = Member(sim.world.bot, "member")
                    chat_ids.append(group.id)
                    await uow.groups.joined(
                        group.id, group.chat.title or "", "supergroup", admin.id, now
                    )
                    await uow.groups.set_status(group.id, ChatStatus.active, now)
            sent = await seller.send_photo(PHOTO)
            file_id = sent["photo"][-1]["file_id"]
            await asyncio.sleep(1.5)  # the bot's reply to the photo, and the flood buckets full
            calls_before = len(sim.calls)
            identity = TelegramIdentity(seller.id, "Seller", "seller", "en")
            started = time.time()
            await bot.deps.service(GigService).publish(identity, _draft(file_id))
            while True:
                await bot.drain_outbox()
                async with bot.deps.uow(read_only=True) as uow:
                    if await uow.outbox.pending_count() == 0:
                        break
                await asyncio.sleep(0.2)
            calls = sim.calls[calls_before:]
            posts = [c for c in calls if c.method == "sendPhoto" and c.ok]
            last = max((c.at for c in posts), default=started) - started
            per_chat: dict[int, int] = {}
            for call in posts:
                chat = int(call.params["chat_id"])
                per_chat[chat] = per_chat.get(chat, 0) + 1
            lost = sum(1 for chat in chat_ids if per_chat.get(chat, 0) != 1)
            limited = sum(1 for c in calls if c.error is not None and c.error.code == 429)
        finally:
            await bot.stop()
            await sim.stop()
    floor = groups / GLOBAL_PER_SECOND
    print(f"groups={groups} flood limits: Telegram's (30/s overall, 20/min per group)")
    print(f"posts delivered: {len(posts)}  posts lost: {lost}  429 answers: {limited}")
    print(f"time to last post: {last:.2f}s  floor: {floor:.2f}s  ratio: {last / floor:.3f}x")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(run(args.groups))


if __name__ == "__main__":
    main()
