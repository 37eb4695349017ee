"""The people API: tests and the demo act as Telegram users would, in-process.

Each person and each group/channel handle keeps a cursor into the bot's outputs for its chat;
`expect` waits (on a Condition, no polling) for the next output after the cursor whose text
contains a fragment, and moves the cursor past it. What a person does becomes a real update in
Telegram's shape, queued for the bot exactly like Telegram would queue it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from telegram_sim.formatting import parse_text, utf16_len
from telegram_sim.markup import inline_buttons
from telegram_sim.methods.media import document_object, photo_sizes, store_photo
from telegram_sim.model import Chat, Invoice, Member, MemberStatus, Output, OutputKind, User
from telegram_sim.payment_sheet import PaymentResult, pay
from telegram_sim.world import World

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
Fragment = str | re.Pattern[str]


@dataclass(frozen=True)
class BotMessage:
    """A bot output as a person sees it: the message (after an edit, if `kind` is "edit")."""

    kind: OutputKind
    chat_id: int
    raw: dict[str, Any]

    @property
    def message_id(self) -> int:
        """The message's id in its chat."""
        return int(self.raw["message_id"])

    @property
    def text(self) -> str:
        """Text, caption, or an invoice's title and description."""
        if "invoice" in self.raw:
            inv = self.raw["invoice"]
            return f"{inv['title']}\n{inv['description']}"
        return str(self.raw.get("text") or self.raw.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline buttons, row by row, flattened."""
        return inline_buttons(self.raw.get("reply_markup"))

    @property
    def button_texts(self) -> list[str]:
        """The buttons' labels."""
        return [b["text"] for b in self.buttons]

    def describe(self) -> str:
        """One line for assertion messages."""
        buttons = f" buttons={self.button_texts}" if self.buttons else ""
        return f"[{self.kind} #{self.message_id}] {self.text!r}{buttons}"


@dataclass(frozen=True)
class InlineAnswer:
    """The bot's answer to an inline query."""

    query_id: str
    query: str
    results: list[dict[str, Any]]
    next_offset: str
    raw: dict[str, Any]


class Tap:
    """A sent callback query; `await tap.answer()` gives what answerCallbackQuery said."""

    def __init__(self, query_id: str, update: dict[str, Any], future: asyncio.Future[Any]) -> None:
        self.query_id = query_id
        self.update = update
        self._future = future

    async def answer(self, within: float = 5.0) -> dict[str, Any]:
        """The answer's fields (text, show_alert, url); AssertionError if none comes."""
        try:
            result: dict[str, Any] = await asyncio.wait_for(asyncio.shield(self._future), within)
        except TimeoutError:
            raise AssertionError(
                f"the bot did not answer callback query {self.query_id} within {within}s"
            ) from None
        return result


def _matches(message: BotMessage, fragment: Fragment) -> bool:
    if isinstance(fragment, re.Pattern):
        return fragment.search(message.text) is not None
    return fragment in message.text


class OutputCursor(ABC):
    """Waiting for bot outputs in one chat, after a cursor."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.cursor = len(world.outputs)

    @abstractmethod
    def chat_ids(self) -> set[int]:
        """The chat ids this cursor watches (a migrated group watches both)."""

    def since_cursor(self) -> list[BotMessage]:
        """Everything the bot did in the chat after the cursor (deletions excluded)."""
        ids = self.chat_ids()
        return [
            BotMessage(o.kind, o.chat_id, o.message)
            for o in self.world.outputs[self.cursor :]
            if o.chat_id in ids and o.kind != "delete"
        ]

    def _find(self, fragment: Fragment) -> Output | None:
        ids = self.chat_ids()
        for out in self.world.outputs[self.cursor :]:
            message = BotMessage(out.kind, out.chat_id, out.message)
            if out.chat_id in ids and out.kind != "delete" and _matches(message, fragment):
                return out
        return None

    async def expect(self, fragment: Fragment = "", timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """The next bot message or edit containing `fragment`; moves the cursor past it."""
        cond = self.world.output_changed
        async with cond:
            try:
                found: Output | None = await asyncio.wait_for(
                    cond.wait_for(lambda: self._find(fragment)), timeout
                )
            except TimeoutError:
                seen = "\n  ".join(m.describe() for m in self.since_cursor()) or "(nothing)"
                raise AssertionError(
                    f"no bot output containing {fragment!r} within {timeout}s; "
                    f"the bot sent since the cursor:\n  {seen}"
                ) from None
        assert found is not None  # wait_for returned a truthy predicate value
        self.cursor = found.seq + 1
        return BotMessage(found.kind, found.chat_id, found.message)

    async def expect_each(
        self, *fragments: Fragment, timeout: float = 5.0  # noqa: ASYNC109
    ) -> list[BotMessage]:
        """Outputs containing each fragment, in any order (notices committed together may leave
        the outbox in either order); the cursor ends past the last of them."""
        start, furthest, found = self.cursor, self.cursor, []
        for fragment in fragments:
            self.cursor = start
            found.append(await self.expect(fragment, timeout))
            furthest = max(furthest, self.cursor)
        self.cursor = furthest
        return found

    async def expect_nothing(self, within: float = 0.3) -> None:
        """Assert the bot sends nothing new to the chat within `within` seconds."""
        cond = self.world.output_changed
        async with cond:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(cond.wait_for(lambda: bool(self.since_cursor())), within)
        sent = self.since_cursor()
        if sent:
            listing = "\n  ".join(m.describe() for m in sent)
            raise AssertionError(f"expected nothing from the bot, got:\n  {listing}")

    def skip(self) -> None:
        """Move the cursor to now, ignoring whatever was sent so far."""
        self.cursor = len(self.world.outputs)


class ChatHandle(OutputCursor):
    """A group, supergroup or channel as tests see it."""

    def __init__(self, world: World, chat: Chat) -> None:
        super().__init__(world)
        self.chat = chat
        self.old_chat_ids: list[int] = []

    @property
    def id(self) -> int:
        """The chat id (the supergroup's after a migration)."""
        return self.chat.id

    def chat_ids(self) -> set[int]:
        """Current and pre-migration ids."""
        return {self.chat.id, *self.old_chat_ids}

    def set_member(self, person: Person, status: MemberStatus = "member") -> None:
        """Add, promote, kick... a person, without updates (setup)."""
        self.chat.members[person.id] = Member(person.user, status)

    def _require_admin(self, by: Person) -> None:
        if self.chat.status_of(by.id) not in ("creator", "administrator"):
            raise AssertionError(f"{by.user.username} is not an admin of {self.chat.title}")

    async def _bot_status_changed(self, by: Person, new: MemberStatus) -> None:
        world, bot = self.world, self.world.bot
        old = self.chat.members.get(bot.id) or Member(bot, "left")
        self.chat.members[bot.id] = Member(bot, new)
        await world.updates.push(
            "my_chat_member",
            {
                "chat": self.chat.to_api(),
                "from": by.user.to_api(),
                "date": world.date(),
                "old_chat_member": old.to_api(self.chat.type),
                "new_chat_member": self.chat.members[bot.id].to_api(self.chat.type),
            },
        )

    async def add_bot(self, by: Person, as_admin: bool = False) -> None:
        """`by` adds the bot: my_chat_member, plus new_chat_members in groups."""
        self._require_admin(by)
        await self._bot_status_changed(by, "administrator" if as_admin else "member")
        if self.chat.type != "channel":
            content = {"new_chat_members": [self.world.bot.to_api()]}
            await self.world.post_user_message(self.chat, by.user, content)

    async def remove_bot(self, by: Person) -> None:
        """`by` removes (bans) the bot: my_chat_member with status kicked."""
        self._require_admin(by)
        await self._bot_status_changed(by, "kicked")

    async def promote_bot(self, by: Person) -> None:
        """`by` makes the bot an administrator."""
        self._require_admin(by)
        await self._bot_status_changed(by, "administrator")


class Group(ChatHandle):
    """A group or supergroup."""

    async def migrate_to_supergroup(self) -> None:
        """Upgrade a basic group: new id, service messages in both chats."""
        if self.chat.type != "group":
            raise AssertionError("only a basic group can migrate to a supergroup")
        world, old = self.world, self.chat
        new = world.add_chat("supergroup", old.title or "", old.username)
        new.members = dict(old.members)
        old.migrated_to = new.id
        creator = next((m.user for m in old.members.values() if m.status == "creator"), None)
        await world.post_user_message(old, creator, {"migrate_to_chat_id": new.id})
        await world.post_user_message(new, creator, {"migrate_from_chat_id": old.id})
        self.old_chat_ids.append(old.id)
        self.chat = new


class Channel(ChatHandle):
    """A channel: posts come from the channel itself."""

    async def post(self, text: str, by: Person) -> dict[str, Any]:
        """An admin posts to the channel (a channel_post update if the bot is in it)."""
        self._require_admin(by)
        return await self.world.post_user_message(self.chat, None, _text_content(text))


def _text_content(text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    entities = [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group(0)),
        }
        for m in _COMMAND_RE.finditer(text)
    ]
    if entities:
        content["entities"] = entities
    return content


class Person(OutputCursor):
    """A Telegram user talking to the bot; `expect` watches their private chat."""

    def __init__(self, world: World, user: User) -> None:
        super().__init__(world)
        self.user = user
        self.last_inline_query = ""

    @property
    def id(self) -> int:
        """The user id (also the private chat id)."""
        return self.user.id

    @property
    def private_chat(self) -> Chat:
        """The private chat with the bot."""
        return self.world.chats[self.user.id]

    def chat_ids(self) -> set[int]:
        """The private chat."""
        return {self.user.id}

    def block_bot(self) -> None:
        """The bot's sends to this person now fail with 403."""
        self.user.blocked_bot = True

    def unblock_bot(self) -> None:
        """Sends work again."""
        self.user.blocked_bot = False

    def _target(self, chat: ChatHandle | None) -> Chat:
        if chat is None:
            if self.user.blocked_bot:
                raise AssertionError(f"{self.user.username} blocked the bot; unblock_bot() first")
            return self.private_chat
        status = chat.chat.status_of(self.id)
        if status in ("left", "kicked") or chat.chat.type == "channel":
            raise AssertionError(f"{self.user.username} cannot write in {chat.chat.title}")
        return chat.chat

    async def _post(
        self, content: dict[str, Any], chat: ChatHandle | None, reply_to: BotMessage | None
    ) -> dict[str, Any]:
        target = self._target(chat)
        if reply_to is not None:
            original = self.world.get_message(target, reply_to.message_id)
            if original is not None:
                content["reply_to_message"] = {
                    k: v for k, v in original.items() if k != "reply_to_message"
                }
        return await self.world.post_user_message(target, self.user, content)

    async def send(
        self, text: str, chat: ChatHandle | None = None, reply_to: BotMessage | None = None
    ) -> dict[str, Any]:
        """A text message (commands get bot_command entities); returns the Message dict."""
        return await self._post(_text_content(text), chat, reply_to)

    async def send_photo(
        self, data: bytes, caption: str | None = None, chat: ChatHandle | None = None
    ) -> dict[str, Any]:
        """A photo with PhotoSize entries whose file_id the bot can getFile and download."""
        record = store_photo(self.world, data)
        content: dict[str, Any] = {"photo": photo_sizes(record)}
        if caption:
            content["caption"] = caption
        return await self._post(content, chat, None)

    async def send_document(
        self,
        data: bytes,
        filename: str = "file.bin",
        caption: str | None = None,
        mime_type: str = "application/octet-stream",
        chat: ChatHandle | None = None,
    ) -> dict[str, Any]:
        """A document; the bot can getFile and download it."""
        record = self.world.store_file("document", data, filename, mime_type)
        content: dict[str, Any] = {"document": document_object(record)}
        if caption:
            content["caption"] = caption
        return await self._post(content, chat, None)

    def _bot_messages(self, chat: Chat) -> list[dict[str, Any]]:
        bot_id = self.world.bot.id
        return [
            m
            for m in reversed(chat.live_messages())
            if m.get("from", {}).get("id") == bot_id or chat.type == "channel"
        ]

    def _find_button(
        self, label: str, chat: Chat, message: BotMessage | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        candidates = self._bot_messages(chat)
        if message is not None:
            candidates = [m for m in candidates if m["message_id"] == message.message_id]
        for exact in (True, False):
            for msg in candidates:
                for button in inline_buttons(msg.get("reply_markup")):
                    text = button.get("text", "")
                    if (text == label) if exact else (label in text):
                        return msg, button
        available = [
            f"#{m['message_id']}: {[b['text'] for b in inline_buttons(m.get('reply_markup'))]}"
            for m in candidates
            if inline_buttons(m.get("reply_markup"))
        ]
        raise AssertionError(
            f"no button matching {label!r}; buttons available: {available or 'none'}"
        )

    async def tap(
        self, label: str, message: BotMessage | None = None, chat: ChatHandle | None = None
    ) -> Tap:
        """Press an inline button (newest message first; exact label, then substring)."""
        target = self.private_chat if chat is None else chat.chat
        msg, button = self._find_button(label, target, message)
        if "callback_data" not in button:
            raise AssertionError(f"button {label!r} is not a callback button: {button}")
        query_id = self.world.new_query_id()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.world.answers[query_id] = future
        payload = {
            "id": query_id,
            "from": self.user.to_api(),
            "message": copy.deepcopy(msg),
            "chat_instance": str(abs(target.id) * 7919 % 10**12),
            "data": button["callback_data"],
        }
        update = await self.world.updates.push("callback_query", payload)
        return Tap(query_id, update or {}, future)

    async def pay(self, message: BotMessage | None = None) -> PaymentResult:
        """Pay the newest invoice in the private chat (or `message`)."""
        chat = self.private_chat
        invoices = [
            m
            for m in self._bot_messages(chat)
            if "invoice" in m and (message is None or m["message_id"] == message.message_id)
        ]
        if not invoices:
            raise AssertionError("no invoice to pay in the private chat")
        invoice = self.world.invoices[(chat.id, invoices[0]["message_id"])]
        return await self._pay(invoice)

    async def pay_link(self, url: str) -> PaymentResult:
        """Pay an invoice link made by createInvoiceLink."""
        invoice = self.world.invoice_links.get(url)
        if invoice is None:
            raise AssertionError(f"unknown invoice link {url!r}")
        return await self._pay(invoice)

    async def _pay(self, invoice: Invoice) -> PaymentResult:
        self.user.started_bot = True
        return await pay(self.world, self.user, invoice)

    async def inline(
        self, query: str, offset: str = "", chat_type: str = "sender", within: float = 5.0
    ) -> InlineAnswer:
        """Type `@bot query`; returns the bot's answerInlineQuery."""
        query_id = self.world.new_query_id()
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.world.answers[query_id] = future
        payload = {
            "id": query_id,
            "from": self.user.to_api(),
            "query": query,
            "offset": offset,
            "chat_type": chat_type,
        }
        await self.world.updates.push("inline_query", payload)
        try:
            answer = await asyncio.wait_for(future, within)
        except TimeoutError:
            raise AssertionError(f"the bot did not answer inline query {query!r}") from None
        self.last_inline_query = query
        return InlineAnswer(
            query_id, query, list(answer["results"]), answer.get("next_offset", ""), answer
        )

    async def choose_inline(
        self, result: dict[str, Any], chat: ChatHandle | None = None
    ) -> dict[str, Any]:
        """Send an inline result into a chat (via_bot), plus chosen_inline_result."""
        target = self._target(chat)
        content = _inline_content(self.world, result)
        content["via_bot"] = self.world.bot.to_api()
        if result.get("reply_markup"):
            content["reply_markup"] = result["reply_markup"]
        message = await self.world.post_user_message(target, self.user, content)
        if self.world.options.inline_feedback:
            chosen = {
                "result_id": result["id"],
                "from": self.user.to_api(),
                "query": self.last_inline_query,
            }
            await self.world.updates.push("chosen_inline_result", chosen)
        return message


def _inline_content(world: World, result: dict[str, Any]) -> dict[str, Any]:
    input_content = result.get("input_message_content")
    if input_content and "message_text" in input_content:
        text, entities = parse_text(
            input_content["message_text"],
            input_content.get("parse_mode"),
            input_content.get("entities"),
        )
        out: dict[str, Any] = {"text": text}
        if entities:
            out["entities"] = entities
        return out
    file_id = result.get("photo_file_id") or result.get("document_file_id")
    if file_id and file_id in world.files:
        record = world.files[file_id]
        key = "photo" if record.kind == "photo" else "document"
        value: Any = photo_sizes(record) if key == "photo" else document_object(record)
        out = {key: value}
        if result.get("caption"):
            out["caption"] = result["caption"]
        return out
    title = result.get("title") or result.get("caption") or result["id"]
    return {"text": str(title)}
