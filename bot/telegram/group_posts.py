"""Group posts as Telegram messages: the card with "Order" and "More like this", the daily
digest, the edits that keep a post true, and the outbox hook that ties them to the database.

The card is the shared `gig_card` renderer; only the buttons and a status line differ. Both
buttons are URL deep links, so they work for every member of the chat (a callback button
would make the bot answer in the group) and open the private chat where ordering happens.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from bot.domain.gig import GigStatus
from bot.domain.groups import PostKind
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.gigs.catalog import GigCard
from bot.services.groups.broadcast import (
    EDIT_KIND,
    POST_KIND,
    BroadcastService,
    PostContent,
    PostNotSentYet,
)
from bot.services.groups.subscriptions import GroupService
from bot.services.notices import GroupPost, payload_of
from bot.services.ports import OutboxMessage
from bot.telegram.cards import gig_card, gig_card_caption, visible_length
from bot.telegram.messages import MAX_CAPTION, Button, OutgoingMessage, escape, truncate
from bot.telegram.outbox_sender import DeferDelivery, RendererRegistry

GIG_PREFIX = "gig"
LIKE_PREFIX = "like"
SOURCE_MARK = "_g"

PAUSED_NOTE = N_("⏸ Paused by the seller: not available right now.")
DELETED_NOTE = N_("❌ This gig was removed by the seller.")
PRICE_NOTE = N_("💲 Prices updated.")


def order_link(bot_username: str, gig_id: int, chat_id: int) -> str:
    """The "Order" deep link: the gig, and the chat the buyer came from (for attribution)."""
    return f"https://t.me/{bot_username}?start={GIG_PREFIX}_{gig_id}{SOURCE_MARK}{chat_id}"


def like_link(bot_username: str, gig_id: int) -> str:
    return f"https://t.me/{bot_username}?start={LIKE_PREFIX}_{gig_id}"


def parse_gig_start(rest: str) -> tuple[int, int | None] | None:
    """`<gig>` or `<gig>_g<chat>` (what follows `gig_` in a deep link): (gig id, source chat)."""
    gig_part, mark, chat_part = rest.partition(SOURCE_MARK)
    if not gig_part.isdigit() or len(gig_part) > 18:
        return None
    if not mark:
        return int(gig_part), None
    digits = chat_part.removeprefix("-")
    if not digits.isdigit() or len(digits) > 18:
        return None
    return int(gig_part), int(chat_part)


def _note(card: GigCard, price_changed: bool) -> str | None:
    if card.status is GigStatus.deleted:
        return DELETED_NOTE
    if card.status is not GigStatus.live:
        return PAUSED_NOTE
    return PRICE_NOTE if price_changed else None


def _buttons(
    _: Translator, card: GigCard, bot: str, chat_id: int
) -> tuple[tuple[Button, ...], ...]:
    if card.gig_id is None or card.status is not GigStatus.live or not bot:
        return ()
    price = card.spec.starting_price.format()
    return (
        (
            Button(
                _("🛒 Order from {price}", price=price), url=order_link(bot, card.gig_id, chat_id)
            ),
        ),
        (Button(_("🔎 More like this"), url=like_link(bot, card.gig_id)),),
    )


def _card_message(_: Translator, content: PostContent, bot: str, edit: bool) -> OutgoingMessage:
    card = content.cards[0]
    note = _note(card, content.price_changed) if edit else None
    message = gig_card(_, card, _buttons(_, card, bot, content.chat_id))
    if note is not None:
        text = _(note)
        description = card.spec.description
        caption = f"<b>{escape(text)}</b>\n\n" + gig_card_caption(_, card)
        while description and visible_length(caption) > MAX_CAPTION:
            description = description[: max(0, len(description) - 40)]
            shorter = dataclasses.replace(
                card, spec=card.spec.model_copy(update={"description": description + "…"})
            )
            caption = f"<b>{escape(text)}</b>\n\n" + gig_card_caption(_, shorter)
        message = dataclasses.replace(message, text=caption)
    if edit:
        message = dataclasses.replace(message, edit_message_id=content.message_id)
    return message


def _digest_message(_: Translator, content: PostContent, bot: str, edit: bool) -> OutgoingMessage:
    lines = [_("🗞 <b>Today's gigs</b>"), ""]
    buttons: list[tuple[Button, ...]] = []
    for card in content.cards:
        title = escape(truncate(card.spec.title, 60))
        price = escape(card.spec.starting_price.format())
        note = _note(card, False)
        if note is None and card.gig_id is not None and bot:
            link = order_link(bot, card.gig_id, content.chat_id)
            lines.append(
                _("• {title} · from {price}", title=f'<a href="{link}">{title}</a>', price=price)
            )
            label = _("🛒 {title}", title=truncate(card.spec.title, 40))
            buttons.append((Button(label, url=link),))
        else:
            lines.append(f"• <s>{title}</s> · {escape(_(note or PAUSED_NOTE))}")
    return OutgoingMessage(
        "\n".join(lines),
        buttons=tuple(buttons),
        edit_message_id=content.message_id if edit else None,
    )


@dataclasses.dataclass(frozen=True)
class PreparedPost(GroupPost):
    """A post's row as `GroupPostHook.prepare` hands it to the renderer: the stored payload
    plus what the post shows now and the bot's username (for the order links)."""

    content: PostContent
    bot: str | None = None


def render(_: Translator, payload: Mapping[str, Any], *, edit: bool) -> OutgoingMessage:
    prepared = payload_of(PreparedPost, payload)
    content = prepared.content
    assert isinstance(content, PostContent)
    bot = str(prepared.bot or "")
    if content.kind is PostKind.digest:
        return _digest_message(_, content, bot, edit)
    return _card_message(_, content, bot, edit)


def render_post(_: Translator, payload: Mapping[str, Any]) -> OutgoingMessage:
    return render(_, payload, edit=False)


def render_edit(_: Translator, payload: Mapping[str, Any]) -> OutgoingMessage:
    return render(_, payload, edit=True)


class GroupPostHook:
    """Reads what a post shows at send time, records its message id, handles refusals."""

    def __init__(
        self, broadcast: BroadcastService, groups: GroupService, bot_username: Callable[[], str]
    ) -> None:
        self._broadcast = broadcast
        self._groups = groups
        self._bot_username = bot_username

    async def prepare(self, message: OutboxMessage) -> OutboxMessage | None:
        post_id = int(message.payload["post_id"])
        if message.kind == POST_KIND:
            content = await self._broadcast.content(post_id)
        else:
            try:
                change = str(message.payload.get("change", ""))
                content = await self._broadcast.edit_content(post_id, change)
            except PostNotSentYet:
                raise DeferDelivery(f"post {post_id} is not sent yet") from None
        if content is None:
            return None
        payload = {
            **message.payload,
            "content": content,
            "bot": self._bot_username(),
            "languages": list(content.languages),  # the sender picks the chat's catalog
        }
        return dataclasses.replace(message, payload=payload)

    async def delivered(self, message: OutboxMessage, message_id: int) -> None:
        if message.kind == POST_KIND:
            await self._broadcast.delivered(int(message.payload["post_id"]), message_id)

    async def refused(self, message: OutboxMessage, forbidden: bool) -> None:
        if message.kind == POST_KIND:
            await self._broadcast.refused(
                int(message.payload["post_id"]), message.chat_id, forbidden
            )
        elif forbidden:
            await self._groups.removed(message.chat_id)


def register_delivery(renderers: RendererRegistry, hook: GroupPostHook) -> None:
    renderers.register(POST_KIND, render_post)
    renderers.register(EDIT_KIND, render_edit)
    renderers.register_hook(POST_KIND, hook)
    renderers.register_hook(EDIT_KIND, hook)
