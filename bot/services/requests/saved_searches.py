"""Followed searches and their daily digest.

A buyer follows a search (words and filters) from its results; once a local day, at
DIGEST_HOUR in the user's time zone (UTC when unknown), the scheduler's sweep asks the search
index for each due search's newest live gigs and sends those published since the previous
digest, at most DIGEST_MAX_GIGS for all of the user's searches together, as one outbox
message (the sender paces it with every other message). Nothing new: no message, but the
digest still moves on. Why a `next_digest_at` per search in the database: the sweep acts only
on what is due there and claims it with a conditional update, so a restart loses no digest and
a second replica (or a second sweep) sends none twice; the outbox dedupe key, one per user and
local day, is the last guard.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from enum import Enum
from typing import Any

from bot.clock import Clock
from bot.domain.briefs import DIGEST_MAX_GIGS, digest_day, next_digest
from bot.domain.gig import Category
from bot.domain.levels import SellerLevel
from bot.errors import NotAllowed, ValidationFailed
from bot.i18n.markers import N_
from bot.matching.ports import SearchFilters, SearchIndex, SortOrder
from bot.services.discovery.search import MAX_QUERY_LENGTH
from bot.services.notices import SavedDigest
from bot.services.ports import NewNotification, TelegramIdentity, UnitOfWorkFactory
from bot.services.requests.ports import PublishedGig, SavedSearchRecord

SWEEP_BATCH = 100
#: Newest matches read per search; more than a digest shows, as some are older or the user's.
CANDIDATES = 50
MAX_FOLLOWED = 20
DIGEST_KIND = "saved.digest"
_ENUMS: Mapping[str, type[Enum]] = {"category": Category, "seller_level": SellerLevel}


def filters_to_json(filters: SearchFilters) -> dict[str, Any]:
    """The filters that are set, as JSON values (enums by value); "exclude" is not a filter."""
    data: dict[str, Any] = {}
    for field in fields(filters):
        value = getattr(filters, field.name)
        if value is None or field.name == "exclude_gig_id":
            continue
        data[field.name] = value.value if isinstance(value, Enum) else value
    return data


def filters_from_json(data: Mapping[str, Any]) -> SearchFilters:
    """Stored filters back; a filter this version no longer knows is left out."""
    known = {field.name for field in fields(SearchFilters)}
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in known:
            continue
        try:
            values[name] = _ENUMS[name](value) if name in _ENUMS else value
        except ValueError:
            continue
    return SearchFilters(**values)


def search_key(text: str, filters: Mapping[str, Any]) -> str:
    """One saved search per user and (words, filters), whatever the case and spacing."""
    canonical = json.dumps({"t": " ".join(text.casefold().split()), "f": filters}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class FollowedSearch:
    id: int
    text: str
    filters: SearchFilters


class SavedSearchService:
    def __init__(self, uow: UnitOfWorkFactory, index: SearchIndex, clock: Clock) -> None:
        self._uow = uow
        self._index = index
        self._clock = clock

    async def follow(
        self,
        user_id: int,
        text: str,
        filters: SearchFilters,
        identity: TelegramIdentity | None = None,
    ) -> FollowedSearch:
        text = " ".join(text.split())[:MAX_QUERY_LENGTH]
        data = filters_to_json(filters)
        if not text and not data:
            raise ValidationFailed(N_("Search by words or pick a category to follow a search."))
        now = self._clock.now()
        async with self._uow() as uow:
            if len(await uow.saved_searches.for_user(user_id)) >= MAX_FOLLOWED:
                raise ValidationFailed(
                    N_("You follow {count} searches already; stop one with /following first."),
                    count=MAX_FOLLOWED,
                )
            if identity is not None:  # the user row must exist (a buyer may not have one yet)
                await uow.users.upsert_identity(identity, now)
            user = await uow.users.get(user_id)
            record = await uow.saved_searches.follow(
                user_id,
                text,
                data,
                search_key(text, data),
                now,
                next_digest(now, user.timezone if user else None),
            )
        return _followed(record)

    async def following(self, user_id: int) -> list[FollowedSearch]:
        async with self._uow(read_only=True) as uow:
            return [_followed(r) for r in await uow.saved_searches.for_user(user_id)]

    async def stop(self, user_id: int, search_id: int) -> FollowedSearch:
        """Only the follower may stop a search (a forged Stop gets a refusal)."""
        async with self._uow() as uow:
            record = await uow.saved_searches.get(search_id)
            if record is None or record.user_id != user_id:
                raise NotAllowed()
            await uow.saved_searches.stop(search_id)
        return _followed(record)

    async def send_digests(self) -> int:
        """Sweep: one digest for each user whose followed searches are due; messages queued."""
        now = self._clock.now()
        async with self._uow(read_only=True) as uow:
            users = await uow.saved_searches.due_users(now, SWEEP_BATCH)
        sent = 0
        for user_id in users:
            sent += await self._digest(user_id)
        return sent

    async def _digest(self, user_id: int) -> int:
        now = self._clock.now()
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get(user_id)
            due = [s for s in await uow.saved_searches.for_user(user_id) if s.next_digest_at <= now]
        timezone = user.timezone if user else None
        picked: list[tuple[SavedSearchRecord, PublishedGig]] = []
        seen: set[int] = set()
        for search in due:
            for gig in await self._new_gigs(search, user_id):
                if gig.gig_id not in seen and len(picked) < DIGEST_MAX_GIGS:
                    seen.add(gig.gig_id)
                    picked.append((search, gig))
        async with self._uow() as uow:
            claimed: set[int] = set()
            for search in due:
                if await uow.saved_searches.advance(
                    search.id, search.next_digest_at, now, next_digest(now, timezone)
                ):
                    claimed.add(search.id)
            shown = [(s, g) for s, g in picked if s.id in claimed]
            if not shown:
                return 0
            digest = SavedDigest(
                gigs=[{"id": g.gig_id, "title": g.title, "search": s.id} for s, g in shown],
                searches=[
                    {"id": s.id, "text": s.text, "category": s.filters.get("category")}
                    for s in due
                    if s.id in {search.id for search, _gig in shown}
                ],
            )
            payload = asdict(digest)
            key = f"saved_digest:{user_id}:{digest_day(now, timezone).isoformat()}"
            await uow.outbox.add(NewNotification(user_id, DIGEST_KIND, payload, key), now)
        return 1

    async def _new_gigs(self, search: SavedSearchRecord, user_id: int) -> Sequence[PublishedGig]:
        """The search's live gigs published after its last digest, newest first."""
        filters = filters_from_json(search.filters)
        found = await self._index.search(search.text, filters, SortOrder.newest, CANDIDATES)
        async with self._uow(read_only=True) as uow:
            published = {g.gig_id: g for g in await uow.saved_searches.published(found.gig_ids)}
        return [
            published[gig_id]
            for gig_id in found.gig_ids
            if gig_id in published
            and published[gig_id].published_at > search.last_digest_at
            and published[gig_id].seller_id != user_id
        ]


def _followed(record: SavedSearchRecord) -> FollowedSearch:
    return FollowedSearch(record.id, record.text, filters_from_json(record.filters))
