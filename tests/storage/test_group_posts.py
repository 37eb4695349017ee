"""Group posts and the digest claim on both stores, including two transactions at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.gig import GigStatus, validate_for_publish
from bot.domain.groups import PostKind
from bot.services.groups.ports import NewGroupPost
from bot.services.ports import TelegramIdentity
from bot.storage.migrate import upgrade
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.services.money_world import gig_draft

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CHAT, SELLER = -100_555, 31


async def _set_up(engine: AsyncEngine) -> tuple[SqlUnitOfWorkFactory, int]:
    await upgrade(engine)
    factory = SqlUnitOfWorkFactory(engine)
    async with factory() as uow:
        await uow.users.upsert_identity(TelegramIdentity(SELLER, "Sam"), NOW)
        gig_id = await uow.gigs.add(SELLER, validate_for_publish(gig_draft()), GigStatus.live, NOW)
        await uow.groups.joined(CHAT, "Designers", "supergroup", SELLER, NOW)
    return factory, gig_id


def _post(gig_id: int | None, kind: PostKind = PostKind.instant) -> NewGroupPost:
    gig_ids = (gig_id,) if gig_id is not None else (1, 2)
    return NewGroupPost(CHAT, kind, "2026-03-01", gig_id, gig_ids, NOW)


async def test_a_gig_is_posted_once_a_day_and_digests_always_get_a_row(
    engine: AsyncEngine,
) -> None:
    factory, gig_id = await _set_up(engine)
    async with factory() as uow:
        first = await uow.groups.add_post(_post(gig_id))
        again = await uow.groups.add_post(_post(gig_id, PostKind.manual))
        digests = [await uow.groups.add_post(_post(None, PostKind.digest)) for _ in range(2)]
        assert first is not None and again is None
        assert (await uow.groups.get_post(first)) is not None
        assert None not in digests and len(set(digests)) == 2
        assert await uow.groups.posts_on(CHAT, "2026-03-01") == 3


async def test_a_gig_posted_by_a_concurrent_transaction_is_already_posted(
    engine: AsyncEngine,
) -> None:
    """The second insert waits on the first's unique key; once that commits it is a no-op,
    not an error that would abort the second transaction (PostgreSQL)."""
    factory, gig_id = await _set_up(engine)

    async def second() -> tuple[int | None, int]:
        async with factory() as uow:
            post_id = await uow.groups.add_post(_post(gig_id, PostKind.promotion))
            # The transaction is still usable afterwards.
            return post_id, await uow.groups.posts_on(CHAT, "2026-03-01")

    async with factory() as uow:
        first = await uow.groups.add_post(_post(gig_id))
        racing = asyncio.create_task(second())
        await asyncio.sleep(0.3)  # the second transaction reaches its insert and waits
    assert first is not None
    assert await racing == (None, 1)


async def test_the_digest_claim_is_won_by_one_replica(engine: AsyncEngine) -> None:
    factory, _ = await _set_up(engine)
    async with factory() as uow:
        chat = await uow.groups.get(CHAT, lock=True)
        assert chat is not None and chat.last_digest_day is None
        assert await uow.groups.set_digest_done(CHAT, "2026-03-01", NOW, None)
    async with factory() as uow:
        # A replica that read the chat before that commit still has last day None.
        assert not await uow.groups.set_digest_done(CHAT, "2026-03-01", NOW, None)
        assert await uow.groups.set_digest_done(CHAT, "2026-03-02", NOW, "2026-03-01")
    async with factory(read_only=True) as uow:
        chat = await uow.groups.get(CHAT)
    assert chat is not None and chat.last_digest_day == "2026-03-02"
