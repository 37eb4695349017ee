"""Groups in SQL: chat subscriptions, the posts made in them and the deep-link views.

Reads `gigs` and `orders` only for what the broadcast needs (which gigs went live when, the
orders a chat brought); it never writes them, except `orders.source_chat_id` when a basic group
migrates to a supergroup, so the chat keeps its attribution under its new id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.gig import GigStatus
from bot.domain.groups import (
    ChatRules,
    ChatStatus,
    PostingMode,
    PostKind,
    PostState,
    categories_from,
)
from bot.domain.order import OrderStatus
from bot.services.groups.ports import GroupChat, GroupPost, GroupStats, NewGroupPost
from bot.storage.sql import insert_ignoring_conflict
from bot.storage.tables import gigs, group_chats, group_link_views, group_posts, orders

#: Posts that count against the daily limit (queued ones are on their way).
_COUNTED = (PostState.queued.value, PostState.sent.value)


def _rules_values(rules: ChatRules) -> dict[str, Any]:
    return {
        "categories": sorted(c.value for c in rules.categories),
        "languages": sorted(rules.languages),
        "price_min_minor": rules.price_min_minor,
        "price_max_minor": rules.price_max_minor,
        "mode": rules.mode.value,
        "digest_hour": rules.digest_hour,
        "timezone": rules.timezone,
        "max_posts_per_day": rules.max_posts_per_day,
        "allow_promotions": rules.allow_promotions,
    }


def _chat(row: RowMapping) -> GroupChat:
    rules = ChatRules(
        categories=categories_from(row["categories"] or ()),
        languages=frozenset(row["languages"] or ()),
        price_min_minor=row["price_min_minor"],
        price_max_minor=row["price_max_minor"],
        mode=PostingMode(row["mode"]),
        digest_hour=int(row["digest_hour"]),
        timezone=str(row["timezone"]),
        max_posts_per_day=int(row["max_posts_per_day"]),
        allow_promotions=bool(row["allow_promotions"]),
    )
    return GroupChat(
        chat_id=int(row["chat_id"]),
        title=str(row["title"]),
        chat_type=str(row["chat_type"]),
        status=ChatStatus(row["status"]),
        rules=rules,
        added_by=row["added_by"],
        last_digest_day=row["last_digest_day"],
        last_digest_at=row["last_digest_at"],
    )


def _post(row: RowMapping) -> GroupPost:
    return GroupPost(
        id=int(row["id"]),
        chat_id=int(row["chat_id"]),
        kind=PostKind(row["kind"]),
        state=PostState(row["state"]),
        gig_id=row["gig_id"],
        gig_ids=tuple(int(g) for g in row["gig_ids"] or ()),
        local_day=str(row["local_day"]),
        message_id=row["message_id"],
    )


class SqlGroupRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def _rows(self, query: Any) -> Sequence[RowMapping]:
        return (await self._connection.execute(query)).mappings().all()

    async def get(self, chat_id: int, lock: bool = False) -> GroupChat | None:
        query = select(group_chats).where(group_chats.c.chat_id == chat_id)
        if lock and self._connection.dialect.name == "postgresql":
            # SQLite serialises writers with BEGIN IMMEDIATE, which is a lock on everything.
            query = query.with_for_update()
        rows = await self._rows(query)
        return _chat(rows[0]) if rows else None

    async def joined(
        self, chat_id: int, title: str, chat_type: str, added_by: int | None, now: datetime
    ) -> GroupChat:
        inserted = await insert_ignoring_conflict(
            self._connection,
            group_chats,
            {
                "chat_id": chat_id,
                "title": title[:255],
                "chat_type": chat_type,
                "status": ChatStatus.paused.value,
                "added_by": added_by,
                "created_at": now,
                "updated_at": now,
                **_rules_values(ChatRules()),
            },
        )
        if not inserted:
            # Back after a removal: the old settings stay, posting waits for an admin again.
            await self._connection.execute(
                update(group_chats)
                .where(group_chats.c.chat_id == chat_id)
                .values(
                    title=title[:255],
                    chat_type=chat_type,
                    status=ChatStatus.paused.value,
                    added_by=added_by,
                    updated_at=now,
                )
            )
        found = await self.get(chat_id)
        assert found is not None  # written just now in this transaction
        return found

    async def set_status(self, chat_id: int, status: ChatStatus, now: datetime) -> None:
        await self._connection.execute(
            update(group_chats)
            .where(group_chats.c.chat_id == chat_id)
            .values(status=status.value, updated_at=now)
        )

    async def save_rules(self, chat_id: int, rules: ChatRules, now: datetime) -> None:
        await self._connection.execute(
            update(group_chats)
            .where(group_chats.c.chat_id == chat_id)
            .values(updated_at=now, **_rules_values(rules))
        )

    async def set_digest_done(
        self, chat_id: int, day: str, at: datetime, seen_day: str | None
    ) -> bool:
        # A compare-and-set: under READ COMMITTED a second replica's UPDATE waits for the
        # first one's commit, then re-checks the condition against the new row and matches
        # nothing. IS NOT DISTINCT FROM so that "never sent a digest" (NULL) compares too.
        result = await self._connection.execute(
            update(group_chats)
            .where(
                group_chats.c.chat_id == chat_id,
                group_chats.c.last_digest_day.is_not_distinct_from(seen_day),
            )
            .values(last_digest_day=day, last_digest_at=at)
        )
        return bool(result.rowcount)

    async def migrate(self, old_chat_id: int, new_chat_id: int, now: datetime) -> bool:
        old = await self.get(old_chat_id)
        if old is None or await self.get(new_chat_id) is not None:
            return False
        await self._connection.execute(
            update(group_chats)
            .where(group_chats.c.chat_id == old_chat_id)
            .values(chat_id=new_chat_id, chat_type="supergroup", updated_at=now)
        )
        for table in (group_posts, group_link_views):
            await self._connection.execute(
                update(table).where(table.c.chat_id == old_chat_id).values(chat_id=new_chat_id)
            )
        await self._connection.execute(
            update(orders)
            .where(orders.c.source_chat_id == old_chat_id)
            .values(source_chat_id=new_chat_id)
        )
        return True

    async def subscribed(self, mode: str | None = None) -> Sequence[GroupChat]:
        query = select(group_chats).where(group_chats.c.status == ChatStatus.active.value)
        if mode is not None:
            query = query.where(group_chats.c.mode == mode)
        return [_chat(row) for row in await self._rows(query.order_by(group_chats.c.chat_id))]

    async def added_by(self, user_id: int) -> Sequence[GroupChat]:
        query = select(group_chats).where(
            group_chats.c.added_by == user_id, group_chats.c.status != ChatStatus.removed.value
        )
        return [_chat(row) for row in await self._rows(query.order_by(group_chats.c.title))]

    async def posts_on(self, chat_id: int, local_day: str) -> int:
        count = await self._connection.scalar(
            select(func.count())
            .select_from(group_posts)
            .where(
                group_posts.c.chat_id == chat_id,
                group_posts.c.local_day == local_day,
                group_posts.c.state.in_(_COUNTED),
            )
        )
        return int(count or 0)

    async def add_post(self, post: NewGroupPost) -> int | None:
        values: dict[str, Any] = {
            "chat_id": post.chat_id,
            "gig_id": post.gig_id,
            "kind": post.kind.value,
            "state": PostState.queued.value,
            "gig_ids": list(post.gig_ids),
            "local_day": post.local_day,
            "requested_by": post.requested_by,
            "created_at": post.created_at,
        }
        if post.gig_id is None:
            # A digest: NULL gig ids never collide on the unique key, so a plain insert.
            result = await self._connection.execute(insert(group_posts).values(**values))
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])
        # ON CONFLICT DO NOTHING rather than check-then-insert: a concurrent post of the same
        # gig that commits between the check and the insert would otherwise fail this one on
        # the unique key, aborting the whole transaction on PostgreSQL.
        if not await insert_ignoring_conflict(self._connection, group_posts, values):
            return None
        post_id = await self._connection.scalar(
            select(group_posts.c.id).where(
                group_posts.c.chat_id == post.chat_id,
                group_posts.c.gig_id == post.gig_id,
                group_posts.c.local_day == post.local_day,
            )
        )
        assert post_id is not None  # inserted just now in this transaction
        return int(post_id)

    async def get_post(self, post_id: int) -> GroupPost | None:
        rows = await self._rows(select(group_posts).where(group_posts.c.id == post_id))
        return _post(rows[0]) if rows else None

    async def gig_posted_in(self, chat_id: int, gig_id: int) -> bool:
        # A digest keeps its gigs in JSON (searched differently by each database): the chat's
        # sent digests are few (one a day), so they are read and looked through here.
        query = select(group_posts.c.gig_id, group_posts.c.gig_ids).where(
            group_posts.c.chat_id == chat_id,
            group_posts.c.state == PostState.sent.value,
            or_(group_posts.c.gig_id == gig_id, group_posts.c.gig_id.is_(None)),
        )
        for posted, shown in (await self._connection.execute(query)).all():
            if posted == gig_id or gig_id in (shown or ()):
                return True
        return False

    async def posts_of_gig(self, gig_id: int) -> Sequence[GroupPost]:
        query = (
            select(group_posts)
            .where(group_posts.c.gig_id == gig_id, group_posts.c.state.in_(_COUNTED))
            .order_by(group_posts.c.id)
        )
        return [_post(row) for row in await self._rows(query)]

    async def digests_with_gig(self, gig_id: int, since: datetime) -> Sequence[GroupPost]:
        # gig_ids is JSON, searched differently by each database: the recent digests are few
        # (one per chat a day), so they are read and filtered here.
        query = (
            select(group_posts)
            .where(
                group_posts.c.kind == PostKind.digest.value,
                group_posts.c.state.in_(_COUNTED),
                group_posts.c.created_at >= since,
            )
            .order_by(group_posts.c.id)
        )
        posts = [_post(row) for row in await self._rows(query)]
        return [post for post in posts if gig_id in post.gig_ids]

    async def post_sent(self, post_id: int, message_id: int, now: datetime) -> None:
        await self._connection.execute(
            update(group_posts)
            .where(group_posts.c.id == post_id)
            .values(state=PostState.sent.value, message_id=message_id, sent_at=now)
        )

    async def set_post_state(self, post_id: int, state: PostState) -> None:
        await self._connection.execute(
            update(group_posts).where(group_posts.c.id == post_id).values(state=state.value)
        )

    async def live_gigs_published(self, after: datetime | None, until: datetime) -> Sequence[int]:
        query = select(gigs.c.id).where(
            gigs.c.status == GigStatus.live.value, gigs.c.published_at <= until
        )
        if after is not None:
            query = query.where(gigs.c.published_at > after)
        result = await self._connection.execute(query.order_by(gigs.c.published_at, gigs.c.id))
        return [int(gig_id) for gig_id in result.scalars().all()]

    async def record_view(self, chat_id: int, gig_id: int, user_id: int, now: datetime) -> None:
        await self._connection.execute(
            insert(group_link_views).values(
                chat_id=chat_id, gig_id=gig_id, user_id=user_id, viewed_at=now
            )
        )

    async def stats(self, chat_id: int) -> GroupStats:
        posts = await self._connection.scalar(
            select(func.count())
            .select_from(group_posts)
            .where(group_posts.c.chat_id == chat_id, group_posts.c.state == PostState.sent.value)
        )
        views = (
            await self._connection.execute(
                select(func.count(), func.count(func.distinct(group_link_views.c.user_id))).where(
                    group_link_views.c.chat_id == chat_id
                )
            )
        ).one()
        completed = orders.c.status == OrderStatus.completed.value
        order_row = (
            await self._connection.execute(
                select(
                    func.count(),
                    func.count(orders.c.paid_at),
                    func.sum(case((completed, 1), else_=0)),
                ).where(orders.c.source_chat_id == chat_id)
            )
        ).one()
        revenue_rows = await self._connection.execute(
            select(orders.c.currency, func.sum(orders.c.subtotal_minor))
            .where(and_(orders.c.source_chat_id == chat_id, completed))
            .group_by(orders.c.currency)
        )
        return GroupStats(
            posts=int(posts or 0),
            views=int(views[0] or 0),
            viewers=int(views[1] or 0),
            orders=int(order_row[0] or 0),
            paid_orders=int(order_row[1] or 0),
            completed_orders=int(order_row[2] or 0),
            revenue_minor={str(c): int(s or 0) for c, s in revenue_rows.all()},
        )
