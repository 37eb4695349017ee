"""Which gigs are posted in which chats, and keeping those posts true.

The planner functions take the caller's unit of work, so a gig's publish, pause, delete or
price change and the posts (or post edits) it implies are committed together: the outbox then
delivers them under Telegram's limits, and a crash between the two loses nothing.

A post's outbox row carries only the post id. What the message shows is read when it is
sent (`content`), so a post that waited in the outbox shows the gig as it is at that moment,
and a post whose gig was paused before it went out is skipped instead of sent stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from bot.clock import Clock
from bot.domain.gig import GigStatus
from bot.domain.groups import (
    ChatStatus,
    GigFacts,
    PostingMode,
    PostKind,
    PostState,
    digest_due,
    languages_of,
    local_day,
    matches,
    posts_left,
)
from bot.domain.user import UserProfile
from bot.errors import Conflict
from bot.i18n.markers import N_
from bot.services.gigs.catalog import GigCard, GigGone, GigPaused, NotYourGig, card_for
from bot.services.groups.ports import GroupChat, NewGroupPost
from bot.services.groups.subscriptions import ChatNotSetUp, GroupService
from bot.services.notices import GroupPost, GroupPostEdit
from bot.services.ports import (
    GigRecord,
    NewNotification,
    UnitOfWork,
    UnitOfWorkFactory,
)

POST_KIND = "group.post"
EDIT_KIND = "group.post_edit"
#: Gigs listed in one digest at most (a digest is one message; it stays readable).
DIGEST_SIZE = 10
#: Digests older than this are left as they are when one of their gigs changes (long scrolled
#: away, and each change would otherwise read every digest ever sent).
DIGEST_EDIT_WINDOW = timedelta(days=14)


class DailyLimitReached(Conflict):
    default_message = N_(
        "This chat has reached its limit of {limit} posts today. Try again tomorrow."
    )


class AlreadyPostedToday(Conflict):
    default_message = N_("This gig was already posted in this chat today.")


@dataclass(frozen=True)
class PostContent:
    """What one post shows now: the cards (one, or several for a digest) and its chat."""

    post_id: int
    chat_id: int
    kind: PostKind
    cards: tuple[GigCard, ...]
    message_id: int | None = None
    price_changed: bool = False
    #: The chat's languages (sorted); its posts are written in the first one with a catalog.
    languages: tuple[str, ...] = ()


def facts(record: GigRecord, seller: UserProfile | None) -> GigFacts:
    return GigFacts(
        category=record.spec.category,
        starting_price=record.spec.starting_price,
        seller_languages=languages_of(seller.languages if seller else None),
    )


async def _queue_post(
    uow: UnitOfWork,
    chat: GroupChat,
    kind: PostKind,
    gig_ids: Sequence[int],
    now: datetime,
    requested_by: int | None = None,
) -> int | None:
    """Record the post and queue it; None when the daily limit or a same-day repeat stops it.

    The chat's row is locked first, so that count-then-insert is not raced by another replica
    posting to the same chat (both would count the same posts and overshoot the limit). The
    rules are taken from the locked row, not from `chat`, which may have been read earlier.
    Callers that post to several chats lock them in `subscribed`'s order (by chat id), so two
    such fan-outs never wait on each other's locks in a cycle.
    """
    locked = await uow.groups.get(chat.chat_id, lock=True)
    if locked is None:
        return None
    day = local_day(now, locked.rules.timezone).isoformat()
    if not posts_left(locked.rules, await uow.groups.posts_on(chat.chat_id, day)):
        return None
    post_id = await uow.groups.add_post(
        NewGroupPost(
            chat_id=chat.chat_id,
            kind=kind,
            local_day=day,
            gig_id=gig_ids[0] if kind is not PostKind.digest else None,
            gig_ids=tuple(gig_ids),
            created_at=now,
            requested_by=requested_by,
        )
    )
    if post_id is not None:
        await uow.outbox.add(
            NewNotification(
                chat.chat_id, POST_KIND, asdict(GroupPost(post_id=post_id)), f"gpost:{post_id}"
            ),
            now,
        )
    return post_id


async def plan_gig_published(uow: UnitOfWork, gig_id: int, now: datetime, currency: str) -> int:
    """Fan a newly published gig out to every matching instant-mode chat; returns the count."""
    record = await uow.gigs.get(gig_id)
    if record is None or record.status is not GigStatus.live:
        return 0
    gig = facts(record, await uow.users.get(record.seller_id))
    queued = 0
    for chat in await uow.groups.subscribed(PostingMode.instant.value):
        if matches(chat.rules, gig, currency):
            queued += await _queue_post(uow, chat, PostKind.instant, (gig_id,), now) is not None
    return queued


async def plan_gig_changed(uow: UnitOfWork, gig_id: int, now: datetime, change: str) -> int:
    """Queue an edit of every post of the gig (paused, resumed, deleted, price); the count."""
    record = await uow.gigs.get(gig_id)
    version = record.version if record else 0
    posts = [
        *await uow.groups.posts_of_gig(gig_id),
        *await uow.groups.digests_with_gig(gig_id, now - DIGEST_EDIT_WINDOW),
    ]
    for post in posts:
        payload = asdict(GroupPostEdit(post_id=post.id, change=change))
        key = f"gedit:{post.id}:{version}:{change}"
        await uow.outbox.add(NewNotification(post.chat_id, EDIT_KIND, payload, key), now)
    return len(posts)


class BroadcastService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, groups: GroupService, currency: str
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._groups = groups
        self._currency = currency

    async def on_gig_change(self, uow: UnitOfWork, gig_id: int, now: datetime, change: str) -> int:
        """The `GigService` listener: fan a new gig out, or queue edits of its posts."""
        if change == "published":
            return await plan_gig_published(uow, gig_id, now, self._currency)
        return await plan_gig_changed(uow, gig_id, now, change)

    async def digest_sweep(self) -> int:
        """Post today's digest in every digest-mode chat whose hour has come; the count."""
        now = self._clock.now()
        async with self._uow(read_only=True) as uow:
            chats = await uow.groups.subscribed(PostingMode.digest.value)
        posted = 0
        for chat in chats:
            last = _day(chat.last_digest_day)
            if digest_due(now, chat.rules.timezone, chat.rules.digest_hour, last):
                posted += await self._digest(chat.chat_id, now)
        return posted

    async def _digest(self, chat_id: int, now: datetime) -> int:
        async with self._uow() as uow:
            chat = await uow.groups.get(chat_id)
            if chat is None or chat.status is not ChatStatus.active:
                return 0
            day = local_day(now, chat.rules.timezone)
            last = _day(chat.last_digest_day)
            if not digest_due(now, chat.rules.timezone, chat.rules.digest_hour, last):
                return 0  # another replica did it
            gig_ids: list[int] = []
            for gig_id in await uow.groups.live_gigs_published(chat.last_digest_at, now):
                record = await uow.gigs.get(gig_id)
                if record is None:
                    continue
                gig = facts(record, await uow.users.get(record.seller_id))
                if matches(chat.rules, gig, self._currency):
                    gig_ids.append(gig_id)
            # Claimed before anything is queued: a replica that read the same last digest day
            # and lost this compare-and-set leaves the digest to the one that won.
            seen = chat.last_digest_day
            if not await uow.groups.set_digest_done(chat_id, day.isoformat(), now, seen):
                return 0
            if not gig_ids:
                return 0
            newest = gig_ids[-DIGEST_SIZE:]
            return int(await _queue_post(uow, chat, PostKind.digest, newest, now) is not None)

    async def post_manual(self, chat_id: int, admin_id: int, gig_id: int) -> int:
        """An admin's `/post <gig>`: checked for rights, a live gig and the daily limit."""
        await self._groups.require_admin(chat_id, admin_id)
        now = self._clock.now()
        async with self._uow() as uow:
            # Locked so that the limit checked here is the one `_queue_post` applies.
            chat = await uow.groups.get(chat_id, lock=True)
            if chat is None or chat.status is ChatStatus.removed:
                raise ChatNotSetUp()
            await _live(uow, gig_id)
            day = local_day(now, chat.rules.timezone).isoformat()
            if not posts_left(chat.rules, await uow.groups.posts_on(chat_id, day)):
                raise DailyLimitReached(limit=chat.rules.max_posts_per_day)
            post_id = await _queue_post(uow, chat, PostKind.manual, (gig_id,), now, admin_id)
            if post_id is None:
                raise AlreadyPostedToday()
            return post_id

    async def promote(self, seller_id: int, gig_id: int) -> int:
        """A freelancer asks to promote their gig: every active chat that allows promotions,
        matches the gig and has posts left today gets it once; returns how many chats."""
        now = self._clock.now()
        async with self._uow() as uow:
            record = await _live(uow, gig_id)
            if record.seller_id != seller_id:
                raise NotYourGig()
            gig = facts(record, await uow.users.get(seller_id))
            queued = 0
            for chat in await uow.groups.subscribed():
                if chat.rules.allow_promotions and matches(chat.rules, gig, self._currency):
                    post = await _queue_post(
                        uow, chat, PostKind.promotion, (gig_id,), now, seller_id
                    )
                    queued += post is not None
            return queued

    # -- delivery (called by the outbox hook; no Telegram here) --------------------------------

    async def content(self, post_id: int) -> PostContent | None:
        """What a queued post shows now, or None (and the post skipped) when nothing is live."""
        async with self._uow() as uow:
            post = await uow.groups.get_post(post_id)
            chat = await uow.groups.get(post.chat_id) if post else None
            if post is None or post.state is not PostState.queued:
                return None
            if chat is None or chat.status is ChatStatus.removed:
                await uow.groups.set_post_state(post_id, PostState.failed)
                return None
            cards = [c for c in await _cards(uow, post.gig_ids) if c.status is GigStatus.live]
            if not cards:
                await uow.groups.set_post_state(post_id, PostState.skipped)
                return None
            languages = tuple(sorted(chat.rules.languages))
            return PostContent(post.id, post.chat_id, post.kind, tuple(cards), languages=languages)

    async def edit_content(self, post_id: int, change: str) -> PostContent | None:
        """What an already sent post should say now; None when there is nothing to edit.

        Raises `PostNotSentYet` while the post is still queued: its own send will show the
        current state, but it may be in flight right now, so the edit waits for it.
        """
        async with self._uow(read_only=True) as uow:
            post = await uow.groups.get_post(post_id)
            if post is None or post.state in (PostState.skipped, PostState.failed):
                return None
            if post.message_id is None:
                raise PostNotSentYet()
            cards = tuple(await _cards(uow, post.gig_ids))
            chat = await uow.groups.get(post.chat_id)
        languages = tuple(sorted(chat.rules.languages)) if chat else ()
        return PostContent(
            post.id, post.chat_id, post.kind, cards, post.message_id, change == "price", languages
        )

    async def delivered(self, post_id: int, message_id: int) -> None:
        async with self._uow() as uow:
            await uow.groups.post_sent(post_id, message_id, self._clock.now())

    async def refused(self, post_id: int, chat_id: int, bot_removed: bool) -> None:
        """Telegram refused the post for good; a 403 means the bot is out of the chat."""
        async with self._uow() as uow:
            await uow.groups.set_post_state(post_id, PostState.failed)
        if bot_removed:
            await self._groups.removed(chat_id)


class PostNotSentYet(Exception):
    """An edit arrived before its post was sent; the outbox tries it again shortly."""


async def _live(uow: UnitOfWork, gig_id: int) -> GigRecord:
    record = await uow.gigs.get(gig_id)
    if record is None or record.status is GigStatus.deleted:
        raise GigGone()
    if record.status is not GigStatus.live:
        raise GigPaused()
    return record


async def _cards(uow: UnitOfWork, gig_ids: Sequence[int]) -> list[GigCard]:
    """The gigs' cards as everywhere else (`card_for`: rating, reviews, seller level)."""
    cards: list[GigCard] = []
    for gig_id in gig_ids:
        record = await uow.gigs.get(gig_id)
        if record is not None:
            cards.append(await card_for(uow, record))
    return cards


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
