"""The group settings panel: one message edited in place, one view per topic.

Every button carries the chat id, so the same panel works inside the group (the usual place,
where the admin sees the effect and needs no private chat with the bot) and in the private
chat of a channel admin (channels have no members to tap buttons there). Texts and keyboards
only; the handler in `groups.py` checks rights and calls the service.
"""

from __future__ import annotations

from bot.callbacks import action
from bot.domain.gig import Category, category_label
from bot.domain.groups import LANGUAGES, PRICE_STEPS, ChatStatus, PostingMode
from bot.domain.money import Money
from bot.i18n.catalogs import Catalogs, Translator
from bot.services.groups.ports import GroupChat
from bot.telegram.messages import Button, OutgoingMessage, escape

#: op: open (arg = view name) or a change (cat, lang, pmin, pmax, mode, hour, max, promo,
#: start, pause); the chat id makes the panel usable outside the chat too.
SETTINGS = action("gs", chat=int, op=str, arg=str)

MAIN, CATS, LANGS, PRICE, POSTING = "main", "cats", "langs", "price", "posting"
#: After a change, the view the change came from is shown again.
VIEW_OF_OP = {
    "cat": CATS,
    "lang": LANGS,
    "pmin": PRICE,
    "pmax": PRICE,
    "mode": POSTING,
    "hour": POSTING,
    "max": POSTING,
    "promo": POSTING,
    "start": MAIN,
    "pause": MAIN,
}


def settings_button(label: str, chat: GroupChat, op: str, arg: str = "x") -> Button:
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
    back = (settings_button(_("⬅️ Back"), chat, "open", MAIN),)
    rules = chat.rules
    rows: list[tuple[Button, ...]]
    if view == CATS:
        text += "\n\n" + _("Tap the categories to post (none chosen = all).")
        cats = [
            settings_button(
                _check(c in rules.categories) + _(category_label(c)), chat, "cat", c.value
            )
            for c in Category
        ]
        rows = [tuple(cats[i : i + 2]) for i in range(0, len(cats), 2)]
        rows += [(settings_button(_("Any category"), chat, "cat", "any"),), back]
    elif view == LANGS:
        text += "\n\n" + _("Only gigs by sellers who speak one of these (none chosen = all).")
        langs = [
            settings_button(_check(code in rules.languages) + code, chat, "lang", code)
            for code in LANGUAGES
        ]
        rows = [tuple(langs[i : i + 4]) for i in range(0, len(langs), 4)]
        rows += [(settings_button(_("Any language"), chat, "lang", "any"),), back]
    elif view == PRICE:
        text += "\n\n" + _("Lowest starting price (first rows) and highest (last rows):")
        lows = [settings_button(f"≥ {step}", chat, "pmin", str(step)) for step in PRICE_STEPS[1:]]
        highs = [settings_button(f"≤ {step}", chat, "pmax", str(step)) for step in PRICE_STEPS[1:]]
        rows = [tuple(lows[:4]), tuple(lows[4:]), tuple(highs[:4]), tuple(highs[4:])]
        rows += [
            (
                settings_button(_("No lowest"), chat, "pmin", "any"),
                settings_button(_("No highest"), chat, "pmax", "any"),
            ),
            back,
        ]
    elif view == POSTING:
        instant = rules.mode is PostingMode.instant
        rows = [
            (
                settings_button(
                    _check(instant) + _("Instant"), chat, "mode", PostingMode.instant.value
                ),
                settings_button(
                    _check(not instant) + _("Daily digest"), chat, "mode", PostingMode.digest.value
                ),
            ),
            (
                settings_button(_("🕐 −1h"), chat, "hour", "-1"),
                settings_button(_("🕐 +1h"), chat, "hour", "1"),
            ),
            (
                settings_button(_("➖ posts/day"), chat, "max", "-1"),
                settings_button(_("➕ posts/day"), chat, "max", "1"),
            ),
            (
                settings_button(
                    _check(rules.allow_promotions) + _("Allow promotions"), chat, "promo"
                ),
            ),
            back,
        ]
    else:
        toggle = (
            settings_button(_("⏸ Pause posting"), chat, "pause")
            if chat.status is ChatStatus.active
            else settings_button(_("▶️ Start posting"), chat, "start")
        )
        rows = [
            (
                settings_button(_("🏷 Categories"), chat, "open", CATS),
                settings_button(_("💰 Price"), chat, "open", PRICE),
            ),
            (
                settings_button(_("🗣 Languages"), chat, "open", LANGS),
                settings_button(_("🕐 Posting"), chat, "open", POSTING),
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
    return OutgoingMessage(text, buttons=((settings_button(_("⚙️ Set up"), chat, "open", MAIN),),))
