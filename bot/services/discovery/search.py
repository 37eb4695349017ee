"""Finding gigs: browse a category, search by words, "more like this", inline results.

The index (`bot.matching`) answers with ranked gig ids; this service turns a page of them into
what a list shows (title, starting price, rating) in one read-only unit of work, and remembers a
buyer's last words and filter picks so result buttons can page, re-sort and filter without
carrying them in their 64-byte callback data. Nothing here knows Telegram.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.clock import Clock
from bot.domain.gig import Category, GigStatus
from bot.domain.money import Money
from bot.matching.ports import SearchFilters, SearchIndex, SearchPage, SortOrder
from bot.services.discovery.filters import ChatFilters
from bot.services.ports import UnitOfWorkFactory

SEARCH_KIND = "search"
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True, slots=True)
class ResultRow:
    gig_id: int
    title: str
    description: str
    price: Money
    rating_average: float
    rating_count: int


@dataclass(frozen=True, slots=True)
class ResultPage:
    rows: Sequence[ResultRow]
    page: int  # 0-based
    pages: int
    total: int
    relaxed: bool = False  # no gig had all the words; these have some


class DiscoveryService:
    def __init__(
        self, uow: UnitOfWorkFactory, index: SearchIndex, clock: Clock, page_size: int = 5
    ) -> None:
        self._uow = uow
        self._index = index
        self._clock = clock
        self.page_size = page_size

    async def browse(self, category: Category | None, sort: SortOrder, page: int) -> ResultPage:
        return await self.search("", sort, page, SearchFilters(category=category))

    async def search(
        self,
        text: str,
        sort: SortOrder,
        page: int,
        filters: SearchFilters = SearchFilters(),  # noqa: B008 (frozen, never mutated)
    ) -> ResultPage:
        page = max(page, 0)
        found = await self._index.search(
            text[:MAX_QUERY_LENGTH], filters, sort, self.page_size, page * self.page_size
        )
        return await self._page(found, page)

    async def similar(self, gig_id: int, page: int) -> ResultPage:
        page = max(page, 0)
        found = await self._index.more_like_this(gig_id, self.page_size, page * self.page_size)
        return await self._page(found, page)

    async def rows(self, text: str, offset: int, limit: int) -> tuple[Sequence[ResultRow], int]:
        """Inline mode: up to `limit` rows from `offset`, and how many there are in all."""
        found = await self._index.search(text[:MAX_QUERY_LENGTH], limit=limit, offset=offset)
        return await self._rows(found), found.total

    async def remember_query(self, user_id: int, text: str) -> None:
        """A new search: its words, and no filters yet."""
        await self._save_state(user_id, {"text": text[:MAX_QUERY_LENGTH]})

    async def last_query(self, user_id: int) -> str:
        stored = await self._state(user_id)
        return str(stored.get("text", ""))

    async def chat_filters(self, user_id: int) -> ChatFilters:
        """The filters the buyer picked on their result lists (see `search_filters`)."""
        return ChatFilters.from_dict((await self._state(user_id)).get("filters"))

    async def pick_filter(self, user_id: int, key: str, choice: str) -> ChatFilters:
        """Set (or, picked again, unset) one filter; the words stay."""
        stored = await self._state(user_id)
        picked = ChatFilters.from_dict(stored.get("filters")).with_choice(key, choice)
        await self._save_state(user_id, {**stored, "filters": picked.to_dict()})
        return picked

    async def clear_filters(self, user_id: int) -> None:
        stored = await self._state(user_id)
        if stored.get("filters"):
            await self._save_state(user_id, {**stored, "filters": {}})

    async def _state(self, user_id: int) -> dict[str, object]:
        async with self._uow(read_only=True) as uow:
            stored = await uow.persistence.get(SEARCH_KIND, str(user_id))
        return dict(stored) if isinstance(stored, dict) else {}

    async def _save_state(self, user_id: int, state: dict[str, object]) -> None:
        async with self._uow() as uow:
            await uow.persistence.save(SEARCH_KIND, str(user_id), state, self._clock.now())

    async def _page(self, found: SearchPage, page: int) -> ResultPage:
        pages = max(1, -(-found.total // self.page_size))
        return ResultPage(await self._rows(found), page, pages, found.total, found.relaxed)

    async def _rows(self, found: SearchPage) -> list[ResultRow]:
        rows: list[ResultRow] = []
        async with self._uow(read_only=True) as uow:
            for gig_id in found.gig_ids:
                record = await uow.gigs.get(gig_id)
                if record is None or record.status is not GigStatus.live:
                    continue  # paused between the search and now
                stars, count = await uow.reviews.gig_rating(gig_id)
                rows.append(
                    ResultRow(
                        gig_id=gig_id,
                        title=record.spec.title,
                        description=record.spec.description,
                        price=record.spec.starting_price,
                        rating_average=stars / count if count else 0.0,
                        rating_count=count,
                    )
                )
        return rows
