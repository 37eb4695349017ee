"""Ports of the group broadcast feature: its records, its repository and the admin check.

Kept beside the other ports rather than inside `ports.py` so the shared file only gains one
line (`groups: GroupRepository` on the unit of work). `ChatAdmins` is how services ask whether
someone may change a chat's settings without knowing that Telegram answers it (getChatMember).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.domain.groups import ChatRules, ChatStatus, PostKind, PostState


@dataclass(frozen=True, slots=True)
class GroupChat:
    """A group, supergroup or channel the bot was added to, with its admins' settings."""

    chat_id: int
    title: str
    chat_type: str
    status: ChatStatus
    rules: ChatRules
    added_by: int | None = None
    last_digest_day: str | None = None
    last_digest_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewGroupPost:
    chat_id: int
    kind: PostKind
    local_day: str
    gig_id: int | None
    gig_ids: tuple[int, ...]
    created_at: datetime
    requested_by: int | None = None


@dataclass(frozen=True, slots=True)
class GroupPost:
    id: int
    chat_id: int
    kind: PostKind
    state: PostState
    gig_id: int | None
    gig_ids: tuple[int, ...]
    local_day: str
    message_id: int | None


@dataclass(frozen=True, slots=True)
class GroupStats:
    """What /groupstats shows: reach, deep-link views and the orders the chat brought."""

    posts: int
    views: int
    viewers: int
    orders: int
    paid_orders: int
    completed_orders: int
    revenue_minor: Mapping[str, int] = field(default_factory=dict)  # completed, by currency
    #: The chat's referral balance not settled yet (`group:<chat>:referral`), by currency.
    referral_minor: Mapping[str, int] = field(default_factory=dict)


class GroupRepository(Protocol):
    async def get(self, chat_id: int, lock: bool = False) -> GroupChat | None:
        """The chat; with `lock` its row stays locked until the unit of work ends (FOR UPDATE on
        PostgreSQL), for read-then-write changes another replica could otherwise interleave."""
        ...

    async def joined(
        self, chat_id: int, title: str, chat_type: str, added_by: int | None, now: datetime
    ) -> GroupChat:
        """Create the chat (paused until an admin starts it) or note that it is back."""
        ...

    async def set_status(self, chat_id: int, status: ChatStatus, now: datetime) -> None: ...

    async def save_rules(self, chat_id: int, rules: ChatRules, now: datetime) -> None: ...

    async def set_digest_done(
        self, chat_id: int, day: str, at: datetime, seen_day: str | None
    ) -> bool:
        """Record today's digest only if the last digest day is still `seen_day` (what the caller
        read); False when another replica recorded one first, so its digest is not doubled."""
        ...

    async def migrate(self, old_chat_id: int, new_chat_id: int, now: datetime) -> bool:
        """Carry a basic group's settings, posts, views and attributed orders to its new id."""
        ...

    async def subscribed(self, mode: str | None = None) -> Sequence[GroupChat]:
        """Active chats (optionally of one posting mode)."""
        ...

    async def added_by(self, user_id: int) -> Sequence[GroupChat]: ...

    async def posts_on(self, chat_id: int, local_day: str) -> int:
        """Posts counted against the chat's daily limit on that local day."""
        ...

    async def add_post(self, post: NewGroupPost) -> int | None:
        """The new post's id, or None when that gig was already posted there that day (also
        when a concurrent transaction posted it first: no unique-key error aborts the caller)."""
        ...

    async def get_post(self, post_id: int) -> GroupPost | None: ...

    async def gig_posted_in(self, chat_id: int, gig_id: int) -> bool:
        """Whether a sent post in the chat shows the gig (its own post, or a digest with it)."""
        ...

    async def posts_of_gig(self, gig_id: int) -> Sequence[GroupPost]: ...

    async def digests_with_gig(self, gig_id: int, since: datetime) -> Sequence[GroupPost]:
        """Digest posts made since `since` that list the gig (a digest has several gigs)."""
        ...

    async def post_sent(self, post_id: int, message_id: int, now: datetime) -> None: ...

    async def set_post_state(self, post_id: int, state: PostState) -> None: ...

    async def live_gigs_published(self, after: datetime | None, until: datetime) -> Sequence[int]:
        """Ids of live gigs published in (after, until], oldest first."""
        ...

    async def record_view(self, chat_id: int, gig_id: int, user_id: int, now: datetime) -> None: ...

    async def stats(self, chat_id: int) -> GroupStats: ...


class ChatAdmins(Protocol):
    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        """Asked fresh before every settings change (admins change; nothing is cached)."""
        ...
