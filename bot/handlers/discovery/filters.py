"""The filter panel of a result list: budget, delivery, rating, seller level, language.

"🎛 Filters" under a list turns that same message into the panel (edited in place, like paging);
each pick edits it again with the choice ticked and "Show N gigs" counting what the filters
leave; picking a ticked choice again unsets it. "Show" and "Clear filters" go back to the list's
first page. The picks are kept by the discovery service (bot/services/discovery/filters.py says
why not in the buttons), so they hold while the buyer pages and re-sorts.
"""

from __future__ import annotations

from collections.abc import Mapping

from telegram import Update

from bot.handlers.context import AnyApplication, Deps
from bot.handlers.discovery.browse import (
    ALL,
    BROWSE,
    FILTER_CLEAR,
    FILTER_PICK,
    FILTERS,
    WORDS,
    WORDS_LIST,
    _category,
    _show,
    _sort,
    show_list,
)
from bot.handlers.replies import acknowledge
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.matching.ports import SortOrder
from bot.services.discovery.filters import (
    BUDGETS,
    DELIVERY_DAYS,
    LANGUAGES,
    ChatFilters,
)
from bot.services.discovery.search import DiscoveryService
from bot.services.ports import TelegramIdentity
from bot.telegram.messages import Button, OutgoingMessage

ROW_WIDTH = 4


def _budget_label(_: Translator, code: str, currency: str) -> str:
    low, high = BUDGETS[code]
    if low is None:
        return _("under {amount}", amount=f"{high} {currency}")
    if high is None:
        return _("{amount}+", amount=f"{low} {currency}")
    return f"{low}–{high} {currency}"


def _labels(_: Translator, key: str, currency: str) -> Mapping[str, str]:
    """Each choice's button text for filter `key`."""
    if key == "b":
        return {code: _budget_label(_, code, currency) for code in BUDGETS}
    if key == "d":
        return {code: _("≤ {days} d", days=days) for code, days in DELIVERY_DAYS.items()}
    if key == "r":
        return {"40": "⭐ 4.0+", "45": "⭐ 4.5+"}
    if key == "l":
        return {"1": _("Level 1+"), "2": _("Level 2+"), "t": _("Top rated")}
    return {code: _(name) for code, name in LANGUAGES.items()}


SECTIONS = (
    ("b", N_("💰 Budget")),
    ("d", N_("🕒 Delivery")),
    ("r", N_("⭐ Seller rating")),
    ("l", N_("🏅 Seller level")),
    ("g", N_("🗣 Language")),
)


def panel(
    _: Translator, picked: ChatFilters, list_code: str, sort: SortOrder, total: int, currency: str
) -> OutgoingMessage:
    """The panel: a heading and a row of choices per filter, then Show and Clear."""
    rows: list[tuple[Button, ...]] = []
    lines = [_("<b>Filters</b>: pick any; pick a ticked one again to remove it.")]
    for key, title in SECTIONS:
        current = picked.get(key)
        labels = _labels(_, key, currency)
        lines.append(f"{_(title)}: {labels[current] if current else _('any')}")
        choices = [
            Button(
                ("✓ " if code == current else "") + label,
                FILTER_PICK.pack(list=list_code, sort=sort.value, key=key, val=code),
            )
            for code, label in labels.items()
        ]
        for start in range(0, len(choices), ROW_WIDTH):
            rows.append(tuple(choices[start : start + ROW_WIDTH]))
    back = (
        WORDS.pack(sort=sort.value, page=0)
        if list_code == WORDS_LIST
        else BROWSE.pack(cat=list_code, sort=sort.value, page=0)
    )
    rows.append((Button(_("✅ Show {count} gigs", count=total), back),))
    if picked.count:
        clear = FILTER_CLEAR.pack(list=list_code, sort=sort.value)
        rows.append((Button(_("🧹 Clear filters"), clear),))
    return OutgoingMessage("\n".join(lines), buttons=rows)


routes = Routes()


async def _show_panel(
    _: Translator,
    user: TelegramIdentity,
    service: DiscoveryService,
    currency: str,
    update: Update,
    picked: ChatFilters,
    list_code: str,
    sort: SortOrder,
) -> None:
    if list_code == WORDS_LIST:
        text = await service.last_query(user.id)
        found = await service.search(text, sort, 0, picked.search_filters(currency))
    else:
        category = None if list_code == ALL else _category(list_code)
        found = await service.search("", sort, 0, picked.search_filters(currency, category))
    await acknowledge(update)
    await _show(update, panel(_, picked, list_code, sort, found.total, currency))


@routes.button(FILTERS)
async def open_filters(
    list: str,
    sort: str,
    user: TelegramIdentity,
    _: Translator,
    service: DiscoveryService,
    dependencies: Deps,
    update: Update,
) -> None:
    picked = await service.chat_filters(user.id)
    currency = dependencies.settings.currency
    await _show_panel(_, user, service, currency, update, picked, list, _sort(sort))


@routes.button(FILTER_PICK)
async def pick(
    list: str,
    sort: str,
    key: str,
    val: str,
    user: TelegramIdentity,
    _: Translator,
    service: DiscoveryService,
    dependencies: Deps,
    update: Update,
) -> None:
    """`key` and `val` are the service's filter codes; it refuses codes it does not know."""
    picked = await service.pick_filter(user.id, key, val)
    currency = dependencies.settings.currency
    await _show_panel(_, user, service, currency, update, picked, list, _sort(sort))


@routes.button(FILTER_CLEAR)
async def clear(
    list: str,
    sort: str,
    user: TelegramIdentity,
    _: Translator,
    service: DiscoveryService,
    dependencies: Deps,
    update: Update,
) -> None:
    await service.clear_filters(user.id)
    currency = dependencies.settings.currency
    await show_list(_, user, service, currency, update, list, _sort(sort), 0)


def register(app: AnyApplication) -> None:
    routes.register(app)
