"""The simulated world's records: users, chats, members, files, invoices, charges, outputs.

Plain dataclasses with `to_api()` methods that produce Telegram's JSON shapes, so every
response and update is built from one place and PTB's `de_json` accepts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ChatType = Literal["private", "group", "supergroup", "channel"]
MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]
OutputKind = Literal["new", "edit", "delete"]

ADMIN_RIGHTS: dict[str, bool] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}
CHANNEL_RIGHTS: dict[str, bool] = {"can_post_messages": True, "can_edit_messages": True}


@dataclass
class User:
    """A Telegram account (a person or the bot)."""

    id: int
    first_name: str
    is_bot: bool = False
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    blocked_bot: bool = False
    started_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        """Telegram's User object."""
        out: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass
class Member:
    """A user's standing in a group or channel."""

    user: User
    status: MemberStatus

    def to_api(self, chat_type: ChatType) -> dict[str, Any]:
        """Telegram's ChatMember object (the variant chosen by status)."""
        out: dict[str, Any] = {"status": self.status, "user": self.user.to_api()}
        if self.status == "creator":
            out["is_anonymous"] = False
        elif self.status == "administrator":
            out.update(ADMIN_RIGHTS)
            if chat_type == "channel":
                out.update(CHANNEL_RIGHTS)
        elif self.status == "kicked":
            out["until_date"] = 0
        return out


@dataclass
class Chat:
    """A private chat, group, supergroup or channel, with its members and messages."""

    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    user: User | None = None  # the other side of a private chat
    members: dict[int, Member] = field(default_factory=dict)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    next_message_id: int = 1
    migrated_to: int | None = None

    def to_api(self) -> dict[str, Any]:
        """Telegram's Chat object."""
        out: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            out.update({k: v for k, v in self.user.to_api().items() if k in _PRIVATE_KEYS})
        else:
            out["title"] = self.title
        if self.username and self.type != "private":
            out["username"] = self.username
        return out

    def take_message_id(self) -> int:
        """The next message id in this chat (ids increase per chat, as in Telegram)."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def status_of(self, user_id: int) -> MemberStatus:
        """The member status, "left" for anyone never added."""
        member = self.members.get(user_id)
        return member.status if member else "left"

    def live_messages(self) -> list[dict[str, Any]]:
        """Messages not deleted, oldest first."""
        return [m for mid, m in sorted(self.messages.items()) if mid not in self.deleted]


_PRIVATE_KEYS = frozenset({"first_name", "last_name", "username"})


@dataclass
class FileRecord:
    """Stored bytes behind a file_id (uploaded by the bot or sent by a person)."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0


@dataclass
class Invoice:
    """What a pay button or invoice link charges (kept apart from the Message's `invoice`)."""

    title: str
    description: str
    payload: str
    currency: str
    prices: list[dict[str, Any]]
    provider_token: str
    start_parameter: str = ""
    need_fields: tuple[str, ...] = ()
    link: str | None = None

    @property
    def total_amount(self) -> int:
        """Sum of the prices, in the currency's smallest unit."""
        return sum(int(p["amount"]) for p in self.prices)


@dataclass
class Charge:
    """A completed payment, for refundStarPayment and for test assertions."""

    telegram_payment_charge_id: str
    provider_payment_charge_id: str
    user_id: int
    currency: str
    total_amount: int
    payload: str
    refunded: bool = False


@dataclass(frozen=True)
class Output:
    """One thing the bot did to a chat: a new message, an edit, a deletion (a snapshot)."""

    seq: int
    kind: OutputKind
    chat_id: int
    message: dict[str, Any]
