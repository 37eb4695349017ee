"""Buyer requests, their matches and custom offers, and followed searches, in SQL.

Status changes are conditional updates (`WHERE status = expected`): when a buyer's double tap
on Accept races itself, or an Accept races the expiry sweep, exactly one update finds the row
as it expected and the other changes nothing, so the service can refuse instead of acting twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.requests.ports import (
    BriefRecord,
    NewBrief,
    NewOffer,
    OfferRecord,
    PublishedGig,
    SavedSearchRecord,
)
from bot.storage.sql import insert_ignoring_conflict
from bot.storage.tables import buyer_requests, custom_offers, gigs, request_matches, saved_searches


def _brief(row: RowMapping) -> BriefRecord:
    return BriefRecord(**{name: row[name] for name in BriefRecord.__slots__})


def _offer(row: RowMapping) -> OfferRecord:
    return OfferRecord(**{name: row[name] for name in OfferRecord.__slots__})


class SqlBriefRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, brief: NewBrief) -> tuple[BriefRecord, bool]:
        values = {name: getattr(brief, name) for name in NewBrief.__slots__}
        values["status"] = "open"
        created = await insert_ignoring_conflict(self._connection, buyer_requests, values)
        query = select(buyer_requests).where(buyer_requests.c.post_key == brief.post_key)
        row = (await self._connection.execute(query)).mappings().one()
        return _brief(row), created

    async def get(self, request_id: int, lock: bool = False) -> BriefRecord | None:
        query = select(buyer_requests).where(buyer_requests.c.id == request_id)
        if lock and self._connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await self._connection.execute(query)).mappings().first()
        return _brief(row) if row else None

    async def set_status(self, request_id: int, expected: str, status: str, now: datetime) -> bool:
        result = await self._connection.execute(
            update(buyer_requests)
            .where(and_(buyer_requests.c.id == request_id, buyer_requests.c.status == expected))
            .values(status=status, closed_at=now)
        )
        return bool(result.rowcount)

    async def expired_open(self, now: datetime, limit: int) -> Sequence[int]:
        query = (
            select(buyer_requests.c.id)
            .where(and_(buyer_requests.c.status == "open", buyer_requests.c.expires_at <= now))
            .order_by(buyer_requests.c.expires_at)
            .limit(limit)
        )
        return [int(i) for i in (await self._connection.execute(query)).scalars()]

    async def add_match(self, request_id: int, seller_id: int, gig_id: int, now: datetime) -> bool:
        values = {
            "request_id": request_id,
            "seller_id": seller_id,
            "gig_id": gig_id,
            "created_at": now,
        }
        return await insert_ignoring_conflict(self._connection, request_matches, values)

    async def match(self, request_id: int, seller_id: int) -> int | None:
        query = select(request_matches.c.gig_id).where(
            and_(
                request_matches.c.request_id == request_id,
                request_matches.c.seller_id == seller_id,
            )
        )
        gig_id = (await self._connection.execute(query)).scalar()
        return None if gig_id is None else int(gig_id)

    async def add_offer(self, offer: NewOffer) -> tuple[OfferRecord, bool]:
        values = {name: getattr(offer, name) for name in NewOffer.__slots__}
        values["status"] = "pending"
        created = await insert_ignoring_conflict(self._connection, custom_offers, values)
        query = select(custom_offers).where(
            and_(
                custom_offers.c.request_id == offer.request_id,
                custom_offers.c.seller_id == offer.seller_id,
            )
        )
        return _offer((await self._connection.execute(query)).mappings().one()), created

    async def offer(self, offer_id: int) -> OfferRecord | None:
        query = select(custom_offers).where(custom_offers.c.id == offer_id)
        row = (await self._connection.execute(query)).mappings().first()
        return _offer(row) if row else None

    async def offers_for(self, request_id: int) -> Sequence[OfferRecord]:
        query = (
            select(custom_offers)
            .where(custom_offers.c.request_id == request_id)
            .order_by(custom_offers.c.id)
        )
        return [_offer(r) for r in (await self._connection.execute(query)).mappings()]

    async def set_offer(
        self, offer_id: int, expected: str, status: str, now: datetime, order_id: int | None = None
    ) -> bool:
        values: dict[str, Any] = {"status": status, "decided_at": now}
        if order_id is not None:
            values["order_id"] = order_id
        result = await self._connection.execute(
            update(custom_offers)
            .where(and_(custom_offers.c.id == offer_id, custom_offers.c.status == expected))
            .values(**values)
        )
        return bool(result.rowcount)

    async def close_offers(
        self, request_id: int, except_id: int | None, now: datetime
    ) -> list[int]:
        pending = [
            o.id
            for o in await self.offers_for(request_id)
            if o.status == "pending" and o.id != except_id
        ]
        closed = [o for o in pending if await self.set_offer(o, "pending", "closed", now)]
        return closed


def _search(row: RowMapping) -> SavedSearchRecord:
    values = {name: row[name] for name in SavedSearchRecord.__slots__}
    values["active"] = bool(values["active"])
    return SavedSearchRecord(**values)


class SqlSavedSearchRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def follow(
        self,
        user_id: int,
        text: str,
        filters: Mapping[str, Any],
        key: str,
        now: datetime,
        next_digest_at: datetime,
    ) -> SavedSearchRecord:
        values = {
            "user_id": user_id,
            "text": text,
            "filters": dict(filters),
            "key": key,
            "active": True,
            "created_at": now,
            "last_digest_at": now,
            "next_digest_at": next_digest_at,
        }
        if not await insert_ignoring_conflict(self._connection, saved_searches, values):
            # Followed before: a stopped search starts again from now; an active one stays.
            await self._connection.execute(
                update(saved_searches)
                .where(
                    and_(
                        saved_searches.c.user_id == user_id,
                        saved_searches.c.key == key,
                        saved_searches.c.active.is_(False),
                    )
                )
                .values(active=True, last_digest_at=now, next_digest_at=next_digest_at)
            )
        query = select(saved_searches).where(
            and_(saved_searches.c.user_id == user_id, saved_searches.c.key == key)
        )
        return _search((await self._connection.execute(query)).mappings().one())

    async def get(self, search_id: int) -> SavedSearchRecord | None:
        query = select(saved_searches).where(saved_searches.c.id == search_id)
        row = (await self._connection.execute(query)).mappings().first()
        return _search(row) if row else None

    async def for_user(self, user_id: int, active_only: bool = True) -> Sequence[SavedSearchRecord]:
        query = select(saved_searches).where(saved_searches.c.user_id == user_id)
        if active_only:
            query = query.where(saved_searches.c.active.is_(True))
        rows = (await self._connection.execute(query.order_by(saved_searches.c.id))).mappings()
        return [_search(r) for r in rows]

    async def stop(self, search_id: int) -> None:
        await self._connection.execute(
            update(saved_searches).where(saved_searches.c.id == search_id).values(active=False)
        )

    async def due_users(self, now: datetime, limit: int) -> Sequence[int]:
        query = (
            select(saved_searches.c.user_id)
            .where(and_(saved_searches.c.active.is_(True), saved_searches.c.next_digest_at <= now))
            .group_by(saved_searches.c.user_id)
            .limit(limit)
        )
        return [int(i) for i in (await self._connection.execute(query)).scalars()]

    async def advance(
        self, search_id: int, expected_next: datetime, last_digest_at: datetime, next_at: datetime
    ) -> bool:
        result = await self._connection.execute(
            update(saved_searches)
            .where(
                and_(
                    saved_searches.c.id == search_id,
                    saved_searches.c.next_digest_at == expected_next,
                )
            )
            .values(last_digest_at=last_digest_at, next_digest_at=next_at)
        )
        return bool(result.rowcount)

    async def published(self, gig_ids: Sequence[int]) -> Sequence[PublishedGig]:
        if not gig_ids:
            return []
        query = select(
            gigs.c.id, gigs.c.seller_id, gigs.c.title, gigs.c.published_at, gigs.c.created_at
        ).where(and_(gigs.c.id.in_(list(gig_ids)), gigs.c.status == "live"))
        return [
            PublishedGig(int(r.id), int(r.seller_id), str(r.title), r.published_at or r.created_at)
            for r in (await self._connection.execute(query)).all()
        ]
