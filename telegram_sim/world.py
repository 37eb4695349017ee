"""The simulator's state and the rules shared by many methods (who may write where, ids).

One `World` per server instance. HTTP method handlers and the people API both act on it, so
what a test person does and what the bot does are seen consistently by both sides.
"""

from __future__ import annotations

import asyncio
import copy
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram_sim.errors import ApiError, bad_request, forbidden
from telegram_sim.flood import FloodControl
from telegram_sim.model import Charge, Chat, ChatType, FileRecord, Invoice, Output, OutputKind, User
from telegram_sim.updates import UpdateQueue, WebhookConfig, WebhookSender

FIRST_USER_ID = 100_000_001
FIRST_GROUP_ID = -4_000_000_001
FIRST_SUPERGROUP_ID = -1_002_000_000_001


@dataclass
class ApiCall:
    """One Bot API request as the simulator answered it (for test assertions)."""

    method: str
    params: dict[str, Any]
    result: Any = None
    error: ApiError | None = None
    at: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.error is None


@dataclass
class Options:
    """Per-server behaviour switches."""

    pre_checkout_timeout: float = 10.0
    webhook_retry_delay: float = 0.5
    privacy_mode: bool = True
    inline_feedback: bool = True
    long_poll_cap: float | None = None
    stripe_api_base: str | None = None
    stripe_secret_key: str | None = None


@dataclass
class World:
    """Everything the simulated Telegram knows."""

    bot: User
    flood: FloodControl
    options: Options
    now: Callable[[], float] = time.time
    users: dict[int, User] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    files: dict[str, FileRecord] = field(default_factory=dict)
    invoices: dict[tuple[int, int], Invoice] = field(default_factory=dict)
    invoice_links: dict[str, Invoice] = field(default_factory=dict)
    charges: dict[str, Charge] = field(default_factory=dict)
    star_refunds: list[Charge] = field(default_factory=list)
    # The bot's Stars account as getStarTransactions shows it: payments in, refunds out, in
    # chronological order (Bot API StarTransaction objects).
    star_transactions: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    output_changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    # Called with each new output (benchmarks route outputs per chat instead of scanning).
    output_listeners: list[Callable[[Output], None]] = field(default_factory=list)
    calls: list[ApiCall] = field(default_factory=list)
    updates: UpdateQueue = field(default_factory=UpdateQueue)
    answers: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    callback_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    chat_actions: list[tuple[int, str]] = field(default_factory=list)
    webhook: WebhookConfig | None = None
    webhook_sender: WebhookSender | None = None
    _counters: dict[str, int] = field(default_factory=dict)

    # ----- ids and time -------------------------------------------------------------------
    def next(self, name: str, start: int = 1) -> int:
        """A per-world counter (files, queries, users...), so ids never collide."""
        value = self._counters.get(name, start)
        self._counters[name] = value + 1
        return value

    def date(self) -> int:
        """Unix time for `date` fields."""
        return int(self.now())

    def new_query_id(self) -> str:
        """Opaque id for callback, inline and pre-checkout queries."""
        return f"{self.next('query', 1000)}{secrets.randbelow(10**6):06d}"

    # ----- users and chats ---------------------------------------------------------------
    def add_user(self, user: User) -> User:
        """Register a person and their private chat with the bot."""
        self.users[user.id] = user
        self.chats[user.id] = Chat(id=user.id, type="private", user=user)
        return user

    def add_chat(self, chat_type: ChatType, title: str, username: str | None) -> Chat:
        """A new group, supergroup or channel; the bot is not in it yet."""
        if chat_type == "group":
            chat_id = FIRST_GROUP_ID - self.next("group", 0)
        else:
            chat_id = FIRST_SUPERGROUP_ID - self.next("supergroup", 0)
        chat = Chat(id=chat_id, type=chat_type, title=title, username=username)
        self.chats[chat_id] = chat
        return chat

    def find_chat(self, chat_id: int | str) -> Chat:
        """A chat by id or @username; 400 "chat not found" otherwise."""
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            for chat in self.chats.values():
                if chat.username and chat.username.lower() == name and chat.type != "private":
                    return chat
            raise bad_request("chat not found")
        found = self.chats.get(chat_id)
        if found is None:
            raise bad_request("chat not found")
        chat = found
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        return chat

    def check_member(self, chat: Chat) -> None:
        """403 when the bot is not (or no longer) in the group or channel."""
        if chat.type == "private":
            return
        status = chat.status_of(self.bot.id)
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if status == "left":
            raise forbidden(f"bot is not a member of the {chat.type} chat")

    def check_can_write(self, chat: Chat) -> None:
        """Telegram's refusals for sending to a chat (blocked, not started, not a member)."""
        if chat.type == "private":
            user = chat.user
            if user is None or user.is_bot:
                raise forbidden("bot can't send messages to bots")
            if user.blocked_bot:
                raise forbidden("bot was blocked by the user")
            if not user.started_bot:
                raise forbidden("bot can't initiate conversation with a user")
            return
        self.check_member(chat)
        if chat.type == "channel" and chat.status_of(self.bot.id) != "administrator":
            raise bad_request("need administrator rights in the channel chat")

    def check_flood(self, chat: Chat) -> None:
        """429 with retry_after when the chat's or the global bucket is empty."""
        wait = self.flood.check(chat.id, chat.type == "private")
        if wait is not None:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})

    def get_message(self, chat: Chat, message_id: int) -> dict[str, Any] | None:
        """A live message of the chat, or None."""
        if message_id in chat.deleted:
            return None
        return chat.messages.get(message_id)

    # ----- messages ----------------------------------------------------------------------
    def base_message(self, chat: Chat, sender: User | None) -> dict[str, Any]:
        """message_id, date, chat and from (channels post as the chat itself)."""
        message: dict[str, Any] = {"message_id": chat.take_message_id(), "date": self.date()}
        if chat.type == "channel":
            message["sender_chat"] = chat.to_api()
        elif sender is not None:
            message["from"] = sender.to_api()
        message["chat"] = chat.to_api()
        return message

    def reply_to(self, chat: Chat, params: dict[str, Any]) -> dict[str, Any] | None:
        """The replied message for reply_parameters / reply_to_message_id, checked."""
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = self.get_message(chat, int(message_id))
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    async def post_bot_message(
        self, chat: Chat, content: dict[str, Any], params: dict[str, Any]
    ) -> dict[str, Any]:
        """Store a message the bot sent and record it as an output."""
        reply = self.reply_to(chat, params)
        message = self.base_message(chat, self.bot)
        if reply is not None:
            message["reply_to_message"] = reply
        message.update(content)
        markup = params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        chat.messages[message["message_id"]] = message
        await self.record_output("new", chat.id, message)
        return message

    async def record_output(self, kind: OutputKind, chat_id: int, message: dict[str, Any]) -> None:
        """Append a snapshot to the output log and wake everyone waiting in `expect`."""
        async with self.output_changed:
            output = Output(len(self.outputs), kind, chat_id, copy.deepcopy(message))
            self.outputs.append(output)
            self.output_changed.notify_all()
        for listener in self.output_listeners:
            listener(output)

    def bot_sees(self, chat: Chat, message: dict[str, Any]) -> bool:
        """Whether a person's message in a group reaches the bot (privacy mode rules)."""
        if chat.type == "private":
            return True
        status = chat.status_of(self.bot.id)
        if status in ("left", "kicked"):
            return False
        if status == "administrator" or not self.options.privacy_mode:
            return True
        text = message.get("text", "")
        if text.startswith("/"):
            return True
        reply = message.get("reply_to_message") or {}
        if reply.get("from", {}).get("id") == self.bot.id:
            return True
        if message.get("via_bot", {}).get("id") == self.bot.id:
            return True
        service = (
            "new_chat_members",
            "left_chat_member",
            "migrate_to_chat_id",
            "migrate_from_chat_id",
            "successful_payment",
            "group_chat_created",
        )
        return any(key in message for key in service)

    async def post_user_message(
        self, chat: Chat, sender: User | None, content: dict[str, Any]
    ) -> dict[str, Any]:
        """Store a person's message and deliver it to the bot when the bot would see it."""
        message = self.base_message(chat, sender)
        message.update(content)
        chat.messages[message["message_id"]] = message
        if chat.type == "private" and sender is not None:
            sender.started_bot = True
        if self.bot_sees(chat, message):
            kind = "channel_post" if chat.type == "channel" else "message"
            await self.updates.push(kind, message)
        return message

    # ----- files -------------------------------------------------------------------------
    def store_file(
        self,
        kind: str,
        data: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
        size: tuple[int, int] = (0, 0),
    ) -> FileRecord:
        """Keep bytes under a new file_id; getFile and the download route serve them."""
        number = self.next("file")
        suffix = secrets.token_hex(6)
        ext = (
            file_name.rsplit(".", 1)[-1]
            if file_name and "." in file_name
            else {"photo": "jpg"}.get(kind, "bin")
        )
        record = FileRecord(
            file_id=f"SIM{kind[:3].upper()}{number:06d}{suffix}",
            file_unique_id=f"U{number:06d}{suffix[:4]}",
            kind=kind,
            data=data,
            file_path=f"{kind}s/file_{number}.{ext}",
            file_name=file_name,
            mime_type=mime_type,
            width=size[0],
            height=size[1],
        )
        self.files[record.file_id] = record
        return record

    def file_by_path(self, path: str) -> FileRecord | None:
        """The record whose file_path is `path` (for downloads)."""
        return next((f for f in self.files.values() if f.file_path == path), None)

    # ----- webhook -----------------------------------------------------------------------
    async def stop_webhook(self) -> None:
        """Stop background webhook delivery, if any."""
        if self.webhook_sender is not None:
            await self.webhook_sender.stop()
            self.webhook_sender = None
