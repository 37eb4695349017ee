"""Buyers finding gigs: "🔎 Find a service", categories, words, sorting, paging, more like this.

Result lists are one message edited in place (paging and re-sorting never add messages); a
result opens the gig card as a new message. The words of a search are kept by the service, so
the buttons carry only the sort and the page.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import filters

from bot.callbacks import ForgedCallback, action
from bot.domain.gig import CATEGORY_LABELS, Category
from bot.errors import NotFound
from bot.handlers.context import AnyApplication, AnyContext, Deps
from bot.handlers.replies import acknowledge, reply
from bot.handlers.requests.buttons import FOLLOW_CATEGORY, FOLLOW_WORDS, follow_button
from bot.handlers.router import Routes
from bot.handlers.start import FIND, MENU
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.matching.ports import SortOrder
from bot.services.discovery.filters import NO_CHAT_FILTERS, ChatFilters
from bot.services.discovery.search import DiscoveryService, ResultPage
from bot.services.gigs.catalog import GigService
from bot.services.ports import TelegramIdentity
from bot.services.progress import Progress, ProgressStore
from bot.telegram.cards import SIMILAR, buyer_buttons, gig_card
from bot.telegram.group_posts import LIKE_PREFIX
from bot.telegram.messages import Button, OutgoingMessage, escape, truncate

FLOW = "find"
ALL = "all"
WORDS_LIST = "w"
#: Browse a category (or `all`): sort and page.
BROWSE = action("fb", cat=str, sort=str, page=int)
#: The buyer's last words: sort and page.
WORDS = action("fw", sort=str, page=int)
#: Open one result's card; "more like this" a gig (page).
OPEN = action("fo", gig=int)
#: The filter panel of a list (`list`: `w` for the words, else the browsed category or `all`),
#: one pick in it (`key`, `val`: codes from bot/services/discovery/filters.py), clear them all.
FILTERS = action("fx", list=str, sort=str)
FILTER_PICK = action("fs", list=str, sort=str, key=str, val=str)
FILTER_CLEAR = action("fz", list=str, sort=str)
#: Ask for words; show the categories.
ASK, CATEGORIES = action("fq"), action("fc")

SORT_LABELS = {
    SortOrder.best: N_("Best match"),
    SortOrder.price: N_("Price"),
    SortOrder.rating: N_("Rating"),
    SortOrder.newest: N_("Newest"),
}


def find_menu(_: Translator) -> OutgoingMessage:
    rows: list[tuple[Button, ...]] = [(Button(_("🔤 Search by words"), ASK.pack()),)]
    categories = list(Category)
    for left, right in zip(categories[::2], categories[1::2], strict=True):
        rows.append(
            tuple(
                Button(_(CATEGORY_LABELS[c]), BROWSE.pack(cat=c.value, sort="best", page=0))
                for c in (left, right)
            )
        )
    rows.append((Button(_("All services"), BROWSE.pack(cat=ALL, sort="best", page=0)),))
    return OutgoingMessage(
        _("<b>Find a service</b>\nPick a category, or search by words."), buttons=rows
    )


def filter_row(
    _: Translator, picked: ChatFilters | None, sort: SortOrder | None, pack: PageLink
) -> list[tuple[Button, ...]]:
    """ "Filters" (with how many are on) and, when some are, "Clear filters"."""
    if picked is None or sort is None:
        return []
    code = pack.list_code
    label = _("🎛 Filters ({count})", count=picked.count) if picked.count else _("🎛 Filters")
    row = [Button(label, FILTERS.pack(list=code, sort=sort.value))]
    if picked.count:
        row.append(Button(_("🧹 Clear filters"), FILTER_CLEAR.pack(list=code, sort=sort.value)))
    return [tuple(row)]


def results(
    _: Translator,
    heading: str,
    found: ResultPage,
    sort: SortOrder | None,
    pack: PageLink,
    picked: ChatFilters | None = None,
) -> OutgoingMessage:
    """A page of results: one button per gig, sort and filter buttons, the pager, the way back."""
    if not found.rows:
        text = _(
            "{heading}\nNothing found. Try fewer or other words, or another category.",
            heading=heading,
        )
        if picked is not None and picked.count:
            text += "\n" + _("Filters are on: clearing them may find more.")
        back = (Button(_("⬅️ Categories"), CATEGORIES.pack()),)
        filters_row = filter_row(_, picked, sort, pack)
        return OutgoingMessage(text, buttons=(*filters_row, *_follow(_, pack), back))
    text = _(
        "{heading}\nPage {page} of {pages} · {total} gigs",
        heading=heading,
        page=found.page + 1,
        pages=found.pages,
        total=found.total,
    )
    if found.relaxed:
        text += "\n" + _("No gig has all your words; these have some of them.")
    rows: list[tuple[Button, ...]] = []
    for row in found.rows:
        stars = f" · ⭐{row.rating_average:.1f}" if row.rating_count else ""
        label = f"{truncate(row.title, 36)} · {row.price.format()}{stars}"
        rows.append((Button(label, OPEN.pack(gig=row.gig_id)),))
    if sort is not None:
        rows.append(
            tuple(
                Button(("✓ " if s is sort else "") + _(SORT_LABELS[s]), pack(s, 0))
                for s in SortOrder
            )
        )
        rows.extend(filter_row(_, picked, sort, pack))
    pager: list[Button] = []
    if found.page > 0:
        pager.append(Button(_("◀️ Back"), pack(sort or SortOrder.best, found.page - 1)))
    if found.page + 1 < found.pages:
        pager.append(Button(_("Next ▶️"), pack(sort or SortOrder.best, found.page + 1)))
    rows.append(tuple(pager))
    rows.extend(_follow(_, pack))
    rows.append((Button(_("⬅️ Categories"), CATEGORIES.pack()),))
    return OutgoingMessage(text, buttons=rows)


def _follow(_: Translator, pack: PageLink) -> list[tuple[Button, ...]]:
    """The Follow button under words and under one category, even when empty."""
    if pack.kind == "words":
        return [(follow_button(_, FOLLOW_WORDS),)]
    if pack.kind == "browse" and pack.value != ALL:
        return [(follow_button(_, FOLLOW_CATEGORY, pack.value),)]
    return []


class PageLink:
    """Packs the button for another page or sort of the same list."""

    def __init__(self, kind: str, value: str = "") -> None:
        self.kind, self.value = kind, value

    @property
    def list_code(self) -> str:
        """What filter buttons carry to find their way back: `w` (words) or the category."""
        return self.value if self.kind == "browse" else WORDS_LIST

    @classmethod
    def of(cls, list_code: str) -> PageLink:
        return cls("words") if list_code == WORDS_LIST else cls("browse", list_code)

    def __call__(self, sort: SortOrder, page: int) -> str:
        if self.kind == "browse":
            return BROWSE.pack(cat=self.value, sort=sort.value, page=page)
        if self.kind == "similar":
            return SIMILAR.pack(gig=int(self.value), page=page)
        return WORDS.pack(sort=sort.value, page=page)


async def _show(update: Update, message: OutgoingMessage) -> None:
    """Edit the list in place when it came from a button; otherwise send it."""
    query = update.callback_query
    if (
        query is not None
        and query.message is not None
        and not getattr(query.message, "photo", None)
    ):
        try:
            await query.edit_message_text(
                message.text, parse_mode=ParseMode.HTML, reply_markup=message.markup()
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise
        return
    if update.effective_message is not None:
        await update.effective_message.reply_html(message.text, reply_markup=message.markup())


def _came_from_card(update: Update) -> bool:
    """A photo message is a gig card: lists under it are new messages, never edits of it."""
    query = update.callback_query
    return bool(query and query.message and getattr(query.message, "photo", None))


def _category(raw: str) -> Category:
    try:
        return Category(raw)
    except ValueError:
        raise ForgedCallback() from None


def _sort(raw: str) -> SortOrder:
    try:
        return SortOrder(raw)
    except ValueError:
        return SortOrder.best


routes = Routes()


@routes.button(MENU, item=FIND)
@routes.button(CATEGORIES)
async def open_find(
    user: TelegramIdentity, _: Translator, service: DiscoveryService, update: Update
) -> None:
    """The find menu: a new journey, so filters from an earlier list are dropped."""
    await service.clear_filters(user.id)
    await acknowledge(update)
    await _show(update, find_menu(_))


@routes.button(ASK)
async def ask_words(
    user: TelegramIdentity,
    _: Translator,
    progresses: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    await acknowledge(update)
    await progresses.save(user.id, Progress(FLOW, "words"))
    await reply(
        update,
        context,
        OutgoingMessage(_("What do you need? Send a few words, for example: logo design")),
    )


@routes.button(BROWSE)
async def browse(
    cat: str,
    sort: str,
    page: int,
    user: TelegramIdentity,
    _: Translator,
    service: DiscoveryService,
    dependencies: Deps,
    update: Update,
) -> None:
    currency = dependencies.settings.currency
    await show_list(_, user, service, currency, update, cat, _sort(sort), page)


async def show_list(
    _: Translator,
    user: TelegramIdentity,
    service: DiscoveryService,
    currency: str,
    update: Update,
    list_code: str,
    sort: SortOrder,
    page: int,
) -> None:
    """A page of a browsed category or of the buyer's words, with the buyer's filters."""
    user_id = user.id
    picked = await service.chat_filters(user_id)
    if list_code == WORDS_LIST:
        text = await service.last_query(user_id)
        found = await service.search(text, sort, page, picked.search_filters(currency))
        heading = _("🔎 <b>{words}</b>", words=escape(truncate(text, 60)))
    else:
        category = None if list_code == ALL else _category(list_code)
        found = await service.search("", sort, page, picked.search_filters(currency, category))
        label = _(CATEGORY_LABELS[category]) if category else _("All services")
        heading = f"<b>{escape(label)}</b>"
    await acknowledge(update)
    await _show(update, results(_, heading, found, sort, PageLink.of(list_code), picked))


async def search_words(
    _: Translator, user: TelegramIdentity, service: DiscoveryService, update: Update, text: str
) -> None:
    await service.remember_query(user.id, text)
    found = await service.search(text, SortOrder.best, 0)
    heading = _("🔎 <b>{words}</b>", words=escape(truncate(text, 60)))
    link = PageLink("words")
    await _show(update, results(_, heading, found, SortOrder.best, link, NO_CHAT_FILTERS))


@routes.step(FLOW)
async def on_words(
    user: TelegramIdentity,
    _: Translator,
    service: DiscoveryService,
    progresses: ProgressStore,
    update: Update,
) -> None:
    """The message after "Search by words"."""
    await progresses.clear(user.id)
    message = update.effective_message
    await search_words(_, user, service, update, (message.text or "") if message else "")


@routes.command("find", filters.ChatType.PRIVATE)
async def find_command(
    user: TelegramIdentity,
    _: Translator,
    service: DiscoveryService,
    update: Update,
    context: AnyContext,
) -> None:
    """`/find logo design` searches at once; `/find` alone opens the menu."""
    if context.args:
        await search_words(_, user, service, update, " ".join(context.args))
    else:
        await open_find(user, _, service, update)


@routes.button(WORDS)
async def page_words(
    sort: str,
    page: int,
    user: TelegramIdentity,
    _: Translator,
    service: DiscoveryService,
    dependencies: Deps,
    update: Update,
) -> None:
    currency = dependencies.settings.currency
    await show_list(_, user, service, currency, update, WORDS_LIST, _sort(sort), page)


@routes.button(SIMILAR)
async def similar(
    gig: int,
    page: int,
    _: Translator,
    service: DiscoveryService,
    update: Update,
    context: AnyContext,
) -> None:
    found = await service.similar(gig, page)
    await acknowledge(update)
    heading = _("🔁 <b>More like this</b>")
    message = results(_, heading, found, None, PageLink("similar", str(gig)))
    if _came_from_card(update):
        await reply(update, context, message)  # from a card: a new list under it
    else:
        await _show(update, message)


@routes.deep_link(LIKE_PREFIX)
async def similar_from_link(
    rest: str, _: Translator, service: DiscoveryService, update: Update, context: AnyContext
) -> None:
    """`t.me/<bot>?start=like_<id>` (a group post's "More like this"): the list, as a message."""
    if not rest.isdigit() or len(rest) > 18:
        raise NotFound()
    found = await service.similar(int(rest), 0)
    heading = _("🔁 <b>More like this</b>")
    await reply(update, context, results(_, heading, found, None, PageLink("similar", rest)))


@routes.button(OPEN)
async def open_result(
    gig: int,
    user: TelegramIdentity,
    _: Translator,
    gigs: GigService,
    update: Update,
    context: AnyContext,
) -> None:
    card = await gigs.card_for_viewer(gig, user.id)
    await acknowledge(update)
    await reply(update, context, gig_card(_, card, buyer_buttons(_, card)))


def register(app: AnyApplication) -> None:
    routes.register(app)
