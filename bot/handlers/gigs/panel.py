"""How a seller sees their gigs: the list, one gig's control panel and its edit menus.

Pure rendering shared by the management and edit flows (and the creation flow's "Manage this
gig" button), so the buttons' data is declared once.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from bot.callbacks import action
from bot.domain.gig import PACKAGE_TIER_LABELS, Category, GigStatus, category_label
from bot.handlers.gigs import seller_menu
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.gigs.catalog import GigCard
from bot.services.ports import GigRecord
from bot.telegram.messages import Button, OutgoingMessage, escape, truncate


class GigOp(StrEnum):
    """What a gig-management button does; an op the bot never wrote is refused by the codec."""

    OPEN = "open"
    PAUSE = "pause"
    RESUME = "resume"
    DELETE = "delete"
    DELETE_YES = "delyes"
    SHARE = "share"
    LIST = "list"
    EDIT_MENU = "edit"
    #: Offer the gig to the groups that accept promotions (what `/promote <id>` does).
    PROMOTE = "promote"


GM = action("gm", op=GigOp, gig=int)
OPEN, PAUSE, RESUME, DELETE, DELETE_YES = (
    GigOp.OPEN,
    GigOp.PAUSE,
    GigOp.RESUME,
    GigOp.DELETE,
    GigOp.DELETE_YES,
)
SHARE, LIST, EDIT_MENU, PROMOTE = GigOp.SHARE, GigOp.LIST, GigOp.EDIT_MENU, GigOp.PROMOTE


class EditField(StrEnum):
    """An edit button: a gig field (`EDITABLE_FIELDS`), a package's sub-menu, Done (photos) or
    Cancel; anything else is refused by the codec."""

    TITLE = "title"
    CATEGORY = "category"
    TAGS = "tags"
    DESCRIPTION = "description"
    PHOTOS = "photos"
    PKG_NAME = "pkg_name"
    PKG_DESC = "pkg_desc"
    PKG_PRICE = "pkg_price"
    PKG_DAYS = "pkg_days"
    PKG_REVISIONS = "pkg_revisions"
    PACKAGE_MENU = "pkg"
    PHOTOS_DONE = "photos_done"
    CANCEL = "cancel"


#: Edit buttons; `tier` is a `PackageTier` value for package fields, else empty.
GE = action("ge", gig=int, field=EditField, tier=str)
#: A new category for a gig, chosen with a button.
GEC = action("gec", gig=int, cat=Category)
PACKAGE_MENU, PHOTOS_DONE, EDIT_CANCEL = (
    EditField.PACKAGE_MENU,
    EditField.PHOTOS_DONE,
    EditField.CANCEL,
)
#: The extras ("x") or questions ("q") of a gig: list them, add, change or remove one.
# `v`: the gig version the list was drawn from; a Remove tapped on an older list is refused
# (a double tap would otherwise remove the item that moved up into that position).


class ListOp(StrEnum):
    SHOW = "show"
    ADD = "add"
    CHANGE = "chg"
    REMOVE = "del"


class ListKind(StrEnum):
    """Which list of a gig: its extras or its requirement questions (the services' kinds)."""

    EXTRAS = "x"
    QUESTIONS = "q"


GX = action("gx", gig=int, kind=ListKind, op=ListOp, index=int, v=int)
LIST_SHOW, LIST_ADD, LIST_CHANGE, LIST_REMOVE = (
    ListOp.SHOW,
    ListOp.ADD,
    ListOp.CHANGE,
    ListOp.REMOVE,
)
#: A button answer while an extra or a question is being written (step as in creation).
GXA = action("gxa", step=str, value=str)

STATUS_LABELS = {
    GigStatus.draft: N_("📝 Draft"),
    GigStatus.live: N_("🟢 Live"),
    GigStatus.paused: N_("⏸ Paused"),
}


def status_label(_: Translator, status: GigStatus) -> str:
    return _(STATUS_LABELS.get(status, N_("📝 Draft")))


def gig_list(_: Translator, gigs: Sequence[GigRecord], draft_title: str | None) -> OutgoingMessage:
    lines = [_("<b>My gigs</b>")]
    rows: list[tuple[Button, ...]] = []
    if draft_title is not None:
        lines.append(
            _(
                "{status} · {title} (unfinished)",
                status=status_label(_, GigStatus.draft),
                title=escape(draft_title or _("untitled")),
            )
        )
        rows.append(
            (Button(_("📝 Continue the draft"), seller_menu.SELLER.pack(item=seller_menu.CREATE)),)
        )
    for record in gigs:
        status = status_label(_, record.status)
        lines.append(f"{status} · {escape(record.spec.title)}")
        label = f"{status.split()[0]} {truncate(record.spec.title, 40)}"
        rows.append((Button(label, GM.pack(op=OPEN, gig=record.id)),))
    if not gigs and draft_title is None:
        lines.append(_("You have no gigs yet. Create one in a few minutes."))
    rows.append((Button(_("➕ Create a gig"), seller_menu.SELLER.pack(item=seller_menu.CREATE)),))
    rows.append((seller_menu.back_to_menu(_),))
    return OutgoingMessage("\n".join(lines), buttons=tuple(rows))


def panel(_: Translator, card: GigCard, note: str = "") -> OutgoingMessage:
    """The seller's controls for one gig, under its card."""
    assert card.gig_id is not None
    gig = card.gig_id
    paused = card.status is GigStatus.paused
    text = _(
        "<b>{title}</b>\nStatus: {status}",
        title=escape(card.spec.title),
        status=status_label(_, card.status),
    )
    if paused:
        text += "\n" + _("Buyers cannot see or order this gig while it is paused.")
    if note:
        text = note + "\n\n" + text
    toggle = (
        Button(_("▶️ Resume"), GM.pack(op=RESUME, gig=gig))
        if paused
        else Button(_("⏸ Pause"), GM.pack(op=PAUSE, gig=gig))
    )
    return OutgoingMessage(
        text,
        buttons=(
            (Button(_("✏️ Edit"), GM.pack(op=EDIT_MENU, gig=gig)), toggle),
            (
                Button(_("🔗 Share"), GM.pack(op=SHARE, gig=gig)),
                Button(_("🗑 Delete"), GM.pack(op=DELETE, gig=gig)),
            ),
            *(
                ((Button(_("📣 Promote in groups"), GM.pack(op=PROMOTE, gig=gig)),),)
                if not paused
                else ()
            ),
            (Button(_("⬅️ My gigs"), GM.pack(op=LIST, gig=0)),),
        ),
    )


def promoted(_: Translator, count: int) -> str:
    """The answer to a promotion, from the button or `/promote`."""
    if count:
        return _("📣 Your gig goes out to {count} chat(s) that accept promotions.", count=count)
    return _("No chat takes a promotion of this gig today (rules or daily limits). Try tomorrow.")


def edit_menu(_: Translator, card: GigCard) -> OutgoingMessage:
    """Which field to change; package fields are one level down."""
    assert card.gig_id is not None
    gig = card.gig_id

    def field(label: str, name: str, tier: str = "") -> Button:
        return Button(label, GE.pack(gig=gig, field=name, tier=tier))

    packages = tuple(
        field(_(PACKAGE_TIER_LABELS[p.tier]), PACKAGE_MENU, p.tier.value)
        for p in card.spec.packages
    )
    return OutgoingMessage(
        _("What do you want to change in <b>{title}</b>?", title=escape(card.spec.title)),
        buttons=(
            (field(_("Title"), "title"), field(_("Category"), "category")),
            (field(_("Tags"), "tags"), field(_("Description"), "description")),
            (field(_("Photos"), "photos"),),
            (
                Button(
                    _("Extras"), GX.pack(gig=gig, kind=ListKind.EXTRAS, op=LIST_SHOW, index=0, v=0)
                ),
                Button(
                    _("Questions"),
                    GX.pack(gig=gig, kind=ListKind.QUESTIONS, op=LIST_SHOW, index=0, v=0),
                ),
            ),
            packages,
            (Button(_("⬅️ Back to the gig"), GM.pack(op=OPEN, gig=gig)),),
        ),
    )


def package_menu(_: Translator, card: GigCard, tier: str) -> OutgoingMessage:
    assert card.gig_id is not None
    gig = card.gig_id

    def field(label: str, name: str) -> Button:
        return Button(label, GE.pack(gig=gig, field=name, tier=tier))

    package = next(p for p in card.spec.packages if p.tier.value == tier)
    revisions = _("unlimited") if package.revisions is None else str(package.revisions)
    text = _(
        "<b>{tier} package</b>: {name}\n{description}\nPrice: {price} · Delivery: {days} day(s) · "
        "Revisions: {revisions}",
        tier=_(PACKAGE_TIER_LABELS[package.tier]),
        name=escape(package.name),
        description=escape(package.description),
        price=package.price.format(),
        days=package.delivery_days,
        revisions=revisions,
    )
    return OutgoingMessage(
        text,
        buttons=(
            (field(_("Name"), "pkg_name"), field(_("What is included"), "pkg_desc")),
            (field(_("Price"), "pkg_price"), field(_("Delivery days"), "pkg_days")),
            (field(_("Revisions"), "pkg_revisions"),),
            (Button(_("⬅️ Back"), GM.pack(op=EDIT_MENU, gig=gig)),),
        ),
    )


def category_menu(_: Translator, gig: int) -> OutgoingMessage:
    buttons = [Button(_(category_label(c)), GEC.pack(gig=gig, cat=c.value)) for c in Category]
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    back = (Button(_("⬅️ Back"), GM.pack(op=EDIT_MENU, gig=gig)),)
    return OutgoingMessage(_("Choose the new category:"), buttons=(*rows, back))
