"""PerChatUpdateProcessor: concurrency across chats, strict order within one chat."""

from __future__ import annotations

import asyncio
import random

from telegram import Chat, Message, Update

from bot.telegram.update_order import PerChatUpdateProcessor


def message_update(update_id: int, chat_id: int, text: str) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, None, chat, text=text))  # type: ignore[arg-type]


async def test_one_chat_in_order_many_chats_at_once() -> None:
    processor = PerChatUpdateProcessor(limit=8)
    seen: dict[int, list[int]] = {}
    running: set[int] = set()
    overlaps = 0
    most = 0
    rng = random.Random(7)

    async def handle(update: Update) -> None:
        nonlocal overlaps, most
        assert update.effective_chat is not None and update.message is not None
        chat = update.effective_chat.id
        overlaps += chat in running
        running.add(chat)
        most = max(most, len(running))
        await asyncio.sleep(rng.random() / 200)  # later updates would overtake without the gate
        running.discard(chat)
        seen.setdefault(chat, []).append(int(update.message.text or 0))

    updates = [message_update(n * 10 + c, c, str(n)) for n in range(10) for c in range(1, 13)]
    await asyncio.gather(*(processor.process_update(u, handle(u)) for u in updates))
    assert overlaps == 0
    assert most == 8  # bounded by the limit, and used
    assert all(order == list(range(10)) for order in seen.values())
    assert len(seen) == 12
