"""The group settings panel: one message edited in place, one view per topic.

Every button carries the chat id, so the same panel works inside the group (the usual place,
where the admin sees the effect and needs no private chat with the bot) and in the private
chat of a channel admin (channels have no members to tap buttons there). Texts and keyboards
only; the handler in `groups.py` checks rights and calls the service.
"""

from __future__ import annotations

from enum import StrEnum

from bot.callbacks import action
from bot.domain.gig import Category, category_label
from bot.domain.groups import LANGUAGES, PRICE_STEPS, ChatStatus, PostingMode
from bot.domain.money import Money
from bot.i18n.catalogs import Catalogs, Translator
from bot.services.groups.ports import GroupChat
from bot.telegram.messages import Button, OutgoingMessage, escape


class GroupOp(StrEnum):
    """What a settings button does: open a view (arg = the view) or change one setting (the
    values `GroupService.change` knows); an op the bot never wrote is refused by the codec."""

    OPEN = "open"
    CAT = "cat"
    LANG = "lang"
    PMIN = "pmin"
    PMAX = "pmax"
    MODE = "mode"
    HOUR = "hour"
    MAX = "max"
    PROMO = "promo"
    START = "start"
    PAUSE = "pause"
    #: the time zone (set by `/gigsettings tz <zone>`; a zone does not fit a button's arg)
    TZ = "tz"


#: The chat id makes the panel usable outside the chat too.
SETTINGS = action("gs", chat=int, op=GroupOp, arg=str)

MAIN, CATS, LANGS, PRICE, POSTING = "main", "cats", "langs", "price", "posting"


def view_after(op: GroupOp) -> str:
    """After a change, the view the change came from is shown again."""
    match op:
        case GroupOp.CAT:
            return CATS
        case GroupOp.LANG:
            return LANGS
        case GroupOp.PMIN | GroupOp.PMAX:
            return PRICE
        case GroupOp.MODE | GroupOp.HOUR | GroupOp.MAX | GroupOp.PROMO:
            return POSTING
        case GroupOp.START | GroupOp.PAUSE | GroupOp.TZ | GroupOp.OPEN:
            return MAIN


def settings_button(label: str, chat: GroupChat, op: GroupOp, arg: str = "x") -> Button:
    """A panel button for `chat`: open a view (op=open) or change one setting."""
    return Button(label, SETTINGS.pack(chat=chat.chat_id, op=op, arg=arg))


def _check(on: bool) -> str:
    return "✅ " if on else ""


def _price(_: Translator, chat: GroupChat, currency: str) -> str:
    lo, hi = chat.rules.price_min_minor, chat.rules.price_max_minor
    if lo is None and hi is None:
        return _("any")
    low = Money(lo or 0, currency).format()
    if hi is None:
        return _("from {low}", low=low)
    return _("{low} to {high}", low=low, high=Money(hi, currency).format())


def summary(_: Translator, chat: GroupChat, currency: str) -> str:
    rules = chat.rules
    categories = ", ".join(sorted(_(category_label(c)) for c in rules.categories)) or _("any")
    languages = ", ".join(sorted(rules.languages)) or _("any")
    if rules.mode is PostingMode.instant:
        mode = _("each new gig, as it is published")
    else:
        mode = _("one digest a day at {hour}:00", hour=f"{rules.digest_hour:02d}")
    status = {
        ChatStatus.active: _("▶️ posting"),
        ChatStatus.paused: _("⏸ paused"),
        ChatStatus.removed: _("removed"),
    }[chat.status]
    return "\n".join(
        [
            _("⚙️ <b>Gig Broker in {title}</b>", title=escape(chat.title)),
            _("Status: {status}", status=status),
            _("Categories: {value}", value=escape(categories)),
            _("Price: {value}", value=escape(_price(_, chat, currency))),
            _("Seller languages: {value}", value=escape(languages)),
            _("Posting: {value}", value=mode),
            _("Time zone: {zone} (change: /gigsettings tz Europe/Berlin)", zone=rules.timezone),
            _("At most {count} posts a day", count=rules.max_posts_per_day),
            _(
                "Promotions by freelancers: {value}",
                value=_("allowed") if rules.allow_promotions else _("not allowed"),
            ),
        ]
    )


def chat_translator(catalogs: Catalogs, chat: GroupChat) -> Translator:
    """The chat's own language (the first of its languages with a catalog), not the language
    of whoever tapped: the panel is read by every admin, and posts use the same choice."""
    return catalogs.for_languages(sorted(chat.rules.languages))


def panel(_: Translator, chat: GroupChat, view: str, currency: str) -> OutgoingMessage:
    text = summary(_, chat, currency)
    back = (settings_button(_("⬅️ Back"), chat, GroupOp.OPEN, MAIN),)
    rules = chat.rules
    rows: list[tuple[Button, ...]]
    if view == CATS:
        text += "\n\n" + _("Tap the categories to post (none chosen = all).")
        cats = [
            settings_button(
                _check(c in rules.categories) + _(category_label(c)), chat, GroupOp.CAT, c.value
            )
            for c in Category
        ]
        rows = [tuple(cats[i : i + 2]) for i in range(0, len(cats), 2)]
        rows += [(settings_button(_("Any category"), chat, GroupOp.CAT, "any"),), back]
    elif view == LANGS:
        text += "\n\n" + _("Only gigs by sellers who speak one of these (none chosen = all).")
        langs = [
            settings_button(_check(code in rules.languages) + code, chat, GroupOp.LANG, code)
            for code in LANGUAGES
        ]
        rows = [tuple(langs[i : i + 4]) for i in range(0, len(langs), 4)]
        rows += [(settings_button(_("Any language"), chat, GroupOp.LANG, "any"),), back]
    elif view == PRICE:
        text += "\n\n" + _("Lowest starting price (first rows) and highest (last rows):")
        lows = [
            settings_button(f"≥ {step}", chat, GroupOp.PMIN, str(step)) for step in PRICE_STEPS[1:]
        ]
        highs = [
            settings_button(f"≤ {step}", chat, GroupOp.PMAX, str(step)) for step in PRICE_STEPS[1:]
        ]
        rows = [tuple(lows[:4]), tuple(lows[4:]), tuple(highs[:4]), tuple(highs[4:])]
        rows += [
            (
                settings_button(_("No lowest"), chat, GroupOp.PMIN, "any"),
                settings_button(_("No highest"), chat, GroupOp.PMAX, "any"),
            ),
            back,
        ]
    elif view == POSTING:
        instant = rules.mode is PostingMode.instant
        rows = [
            (
                settings_button(
                    _check(instant) + _("Instant"), chat, GroupOp.MODE, PostingMode.instant.value
                ),
                settings_button(
                    _check(not instant) + _("Daily digest"),
                    chat,
                    GroupOp.MODE,
                    PostingMode.digest.value,
                ),
            ),
            (
                settings_button(_("🕐 −1h"), chat, GroupOp.HOUR, "-1"),
                settings_button(_("🕐 +1h"), chat, GroupOp.HOUR, "1"),
            ),
            (
                settings_button(_("➖ posts/day"), chat, GroupOp.MAX, "-1"),
                settings_button(_("➕ posts/day"), chat, GroupOp.MAX, "1"),
            ),
            (
                settings_button(
                    _check(rules.allow_promotions) + _("Allow promotions"), chat, GroupOp.PROMO
                ),
            ),
            back,
        ]
    else:
        toggle = (
            settings_button(_("⏸ Pause posting"), chat, GroupOp.PAUSE)
            if chat.status is ChatStatus.active
            else settings_button(_("▶️ Start posting"), chat, GroupOp.START)
        )
        rows = [
            (
                settings_button(_("🏷 Categories"), chat, GroupOp.OPEN, CATS),
                settings_button(_("💰 Price"), chat, GroupOp.OPEN, PRICE),
            ),
            (
                settings_button(_("🗣 Languages"), chat, GroupOp.OPEN, LANGS),
                settings_button(_("🕐 Posting"), chat, GroupOp.OPEN, POSTING),
            ),
            (toggle,),
        ]
    return OutgoingMessage(text, buttons=tuple(rows))


def welcome(_: Translator, chat: GroupChat) -> OutgoingMessage:
    text = _(
        "👋 Thanks for adding Gig Broker to <b>{title}</b>!\n"
        "I can post new freelance gigs here. An admin of this chat sets me up: "
        "which categories, prices and languages, and how often.",
        title=escape(chat.title),
    )
    return OutgoingMessage(
        text, buttons=((settings_button(_("⚙️ Set up"), chat, GroupOp.OPEN, MAIN),),)
    )
