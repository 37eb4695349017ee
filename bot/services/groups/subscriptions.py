"""Group and channel subscriptions: joining, settings changed by admins, pause, stats.

Every settings change asks `ChatAdmins` first (getChatMember behind the port), fresh each time:
admin lists change, and a button in a group can be tapped by anyone in it. Being removed or
refused by Telegram (403) turns the subscription off; a supergroup migration carries it over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain.gig import Category
from bot.domain.groups import (
    LANGUAGES,
    MAX_POSTS_PER_DAY,
    PRICE_STEPS,
    ChatRules,
    ChatStatus,
    PostingMode,
    referral_account,
)
from bot.domain.ledger import Entry, LedgerTransaction
from bot.domain.money import Money, exponent
from bot.errors import NotAllowed, NotFound, ValidationFailed
from bot.i18n.markers import N_
from bot.services.groups.ports import ChatAdmins, GroupChat, GroupStats
from bot.services.ports import UnitOfWork, UnitOfWorkFactory

SOURCE_KIND = "group_src"
#: How long after opening a group post an order still counts for that group.
ATTRIBUTION_WINDOW = timedelta(days=30)


class NotChatAdmin(NotAllowed):
    default_message = N_("Only this chat's admins can change how Gig Broker posts here.")


class ChatNotSetUp(NotFound):
    default_message = N_("Gig Broker is not set up in this chat. Add the bot to the chat first.")


class GroupService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, admins: ChatAdmins, currency: str
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._admins = admins
        self.currency = currency

    async def require_admin(self, chat_id: int, user_id: int) -> None:
        if not await self._admins.is_admin(chat_id, user_id):
            raise NotChatAdmin()

    async def joined(
        self, chat_id: int, title: str, chat_type: str, added_by: int | None
    ) -> GroupChat:
        """The bot was added: the chat is known, paused until an admin starts posting."""
        async with self._uow() as uow:
            return await uow.groups.joined(chat_id, title, chat_type, added_by, self._clock.now())

    async def removed(self, chat_id: int) -> None:
        """The bot was removed, banned, or Telegram answered 403: stop posting there."""
        async with self._uow() as uow:
            if await uow.groups.get(chat_id) is not None:
                await uow.groups.set_status(chat_id, ChatStatus.removed, self._clock.now())

    async def migrated(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A basic group became a supergroup: same settings, posts and attribution, new id,
        and the referral balance earned under the old id moves to the new one (in the same
        unit of work, so an operator settles one balance, not two)."""
        now = self._clock.now()
        async with self._uow() as uow:
            if not await uow.groups.migrate(old_chat_id, new_chat_id, now):
                return False
            old_account = referral_account(old_chat_id)
            for (account, currency), amount in (await uow.ledger.balances(old_account)).items():
                if account == old_account and amount > 0:
                    await uow.ledger.record(
                        LedgerTransaction(
                            key=f"referral-migrate:{old_chat_id}:{currency}",
                            kind="referral_migrate",
                            entries=(
                                Entry(old_account, Money(-amount, currency)),
                                Entry(referral_account(new_chat_id), Money(amount, currency)),
                            ),
                        ),
                        now,
                    )
            return True

    async def settings(
        self, chat_id: int, user_id: int, title: str | None = None, chat_type: str | None = None
    ) -> GroupChat:
        """The chat's settings for an admin; with `title` and `chat_type` (a command sent in the
        chat itself) a chat the bot joined before it could record it is set up on the spot."""
        await self.require_admin(chat_id, user_id)
        async with self._uow(read_only=True) as uow:
            chat = await uow.groups.get(chat_id)
        if chat is None or chat.status is ChatStatus.removed:
            if title is None or chat_type is None:
                raise ChatNotSetUp()
            chat = await self.joined(chat_id, title, chat_type, user_id)
        return chat

    async def chats_added_by(self, user_id: int) -> Sequence[GroupChat]:
        async with self._uow(read_only=True) as uow:
            return await uow.groups.added_by(user_id)

    async def change(self, chat_id: int, user_id: int, op: str, arg: str) -> GroupChat:
        """Apply one settings change (one tap or one command) after checking admin rights."""
        await self.require_admin(chat_id, user_id)
        now = self._clock.now()
        async with self._uow() as uow:
            # Locked: the rules are rewritten whole from what is read here, so two admins'
            # taps at once would otherwise both start from the old rules and one would be lost.
            chat = await uow.groups.get(chat_id, lock=True)
            if chat is None or chat.status is ChatStatus.removed:
                raise ChatNotSetUp()
            if op in ("start", "pause"):
                status = ChatStatus.active if op == "start" else ChatStatus.paused
                await uow.groups.set_status(chat_id, status, now)
            else:
                await uow.groups.save_rules(chat_id, self._changed(chat.rules, op, arg), now)
            updated = await uow.groups.get(chat_id)
        assert updated is not None
        return updated

    def _changed(self, rules: ChatRules, op: str, arg: str) -> ChatRules:
        if op == "cat":
            if arg == "any":
                return rules.changed(categories=frozenset())
            category = _category(arg)
            return rules.changed(categories=rules.categories ^ {category})
        if op == "lang":
            if arg == "any":
                return rules.changed(languages=frozenset())
            if arg not in LANGUAGES:
                raise ValidationFailed()
            return rules.changed(languages=rules.languages ^ {arg})
        if op in ("pmin", "pmax"):
            bound = None if arg == "any" else self._price_minor(arg)
            if op == "pmin":
                high = rules.price_max_minor
                if bound is not None and high is not None and bound > high:
                    high = None
                return rules.changed(price_min_minor=bound, price_max_minor=high)
            low = rules.price_min_minor
            if bound is not None and low is not None and bound < low:
                low = None
            return rules.changed(price_max_minor=bound, price_min_minor=low)
        if op == "mode":
            modes = {m.value: m for m in PostingMode}
            return rules.changed(mode=modes.get(arg, rules.mode))
        if op == "hour":
            return rules.changed(digest_hour=(rules.digest_hour + _int(arg)) % 24)
        if op == "max":
            value = min(MAX_POSTS_PER_DAY, max(1, rules.max_posts_per_day + _int(arg)))
            return rules.changed(max_posts_per_day=value)
        if op == "promo":
            return rules.changed(allow_promotions=not rules.allow_promotions)
        if op == "tz":
            return rules.changed(timezone=arg.strip())
        raise ValidationFailed()

    def _price_minor(self, arg: str) -> int:
        major = _int(arg)
        if major not in PRICE_STEPS:
            raise ValidationFailed()
        return int(major * 10 ** exponent(self.currency))

    async def stats(self, chat_id: int, user_id: int) -> GroupStats:
        """The chat's reach and orders, and its referral balance not settled yet."""
        await self.require_admin(chat_id, user_id)
        account = referral_account(chat_id)
        async with self._uow(read_only=True) as uow:
            if await uow.groups.get(chat_id) is None:
                raise ChatNotSetUp()
            stats = await uow.groups.stats(chat_id)
            balances = await uow.ledger.balances(account)
        referral = {c: amount for (a, c), amount in balances.items() if a == account and amount}
        return replace(stats, referral_minor=referral)

    async def opened_from_chat(self, chat_id: int, gig_id: int, user_id: int) -> None:
        """Someone opened a gig from a chat's post: a view for the chat's stats, and the chat
        remembered as the source of that user's order of that gig (for ATTRIBUTION_WINDOW)."""
        now = self._clock.now()
        async with self._uow() as uow:
            if await uow.groups.get(chat_id) is None or not await uow.groups.gig_posted_in(
                chat_id, gig_id
            ):
                return  # a made-up link: no chat of ours gets the view or the credit
            await uow.groups.record_view(chat_id, gig_id, user_id, now)
            source = {"chat_id": chat_id, "at": now.isoformat()}
            await uow.persistence.save(SOURCE_KIND, f"{user_id}:{gig_id}", source, now)


async def attributed_source(
    uow: UnitOfWork, buyer_id: int, gig_id: int, now: datetime
) -> int | None:
    """The chat whose post the buyer opened this gig from, within the attribution window.

    For `place_order` when the order flow did not carry a source itself: the last group post
    the buyer came through wins (last click), in the order's own unit of work.
    """
    stored = await uow.persistence.get(SOURCE_KIND, f"{buyer_id}:{gig_id}")
    if not isinstance(stored, dict) or "chat_id" not in stored:
        return None
    try:
        at = datetime.fromisoformat(str(stored.get("at")))
    except ValueError:
        return None
    if now - at > ATTRIBUTION_WINDOW:
        return None
    chat_id = int(stored["chat_id"])
    chat = await uow.groups.get(chat_id)
    return chat.chat_id if chat is not None else None


async def creditable_source(uow: UnitOfWork, chat_id: int, gig_id: int) -> bool:
    """Whether an order of `gig_id` may credit `chat_id` with the referral share: the bot
    posted that gig there (a hand-made `gig_<id>_g<chat>` link names any chat) and is still
    in the chat (active or paused, not removed) as the order is placed."""
    chat = await uow.groups.get(chat_id)
    if chat is None or chat.status is ChatStatus.removed:
        return False
    return await uow.groups.gig_posted_in(chat_id, gig_id)


def _category(value: str) -> Category:
    try:
        return Category(value)
    except ValueError:
        raise ValidationFailed() from None


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed() from None
