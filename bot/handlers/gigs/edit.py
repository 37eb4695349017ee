"""Editing a published gig: pick a field, send the new value, see the updated card.

The new value is checked with the creation rules (and the whole gig re-checked for publishing),
so a bad value gets the same helpful refusal and the seller stays on the question. Only the
gig's own rows change: orders already placed keep their snapshot, price included.
"""

from __future__ import annotations

from telegram import Update

from bot.domain.gig import Category, GigSpec, PackageTier
from bot.handlers.context import AnyApplication, AnyContext
from bot.handlers.gigs import edit_lists as gig_edit_lists
from bot.handlers.gigs.create import answer_of
from bot.handlers.gigs.panel import (
    EDIT_CANCEL,
    GE,
    GEC,
    PACKAGE_MENU,
    PHOTOS_DONE,
    EditField,
    category_menu,
    package_menu,
    panel,
)
from bot.handlers.replies import acknowledge, reply
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.services.gigs import edits as gig_edits
from bot.services.gigs.catalog import GigCard, GigService
from bot.services.gigs.edits import GigEditing, PhotosCollected
from bot.services.ports import TelegramIdentity
from bot.services.progress import Progress
from bot.telegram.cards import gig_card
from bot.telegram.messages import Button, OutgoingMessage, escape


def _ask(_: Translator, field: str, gig: int, current: str, editing: GigEditing) -> OutgoingMessage:
    limits = editing.limits
    questions = {
        "title": _(
            "Send the new title ({min}–{max} characters).",
            min=limits.title_min,
            max=limits.title_max,
        ),
        "tags": _(
            "Send {min}–{max} tags separated by commas.", min=limits.tags_min, max=limits.tags_max
        ),
        "description": _(
            "Send the new description ({min}–{max} characters).",
            min=limits.description_min,
            max=limits.description_max,
        ),
        "pkg_name": _(
            "Send the package's new name ({min}–{max} characters).",
            min=limits.package_name_min,
            max=limits.package_name_max,
        ),
        "pkg_desc": _(
            "Send what the package includes ({min}–{max} characters).",
            min=limits.package_description_min,
            max=limits.package_description_max,
        ),
        "pkg_price": _(
            "Send the new price. Orders already placed keep the price they were bought at."
        ),
        "pkg_days": _(
            "Send the delivery time in days ({min}–{max}).",
            min=limits.delivery_days_min,
            max=limits.delivery_days_max,
        ),
        "pkg_revisions": _(
            "Send the number of revisions ({min}–{max}, or “unlimited”).",
            min=limits.revisions_min,
            max=limits.revisions_max,
        ),
        "photos": _(
            "Send {min}–{max} new photos, then tap Done. They replace the current ones.",
            min=limits.photos_min,
            max=limits.photos_max,
        ),
    }
    text = questions.get(field, "")
    if current:
        text += "\n" + _("Now: {current}", current=escape(current))
    rows: list[tuple[Button, ...]] = []
    if field == gig_edits.PHOTOS:
        rows.append((Button(_("✅ Done"), GE.pack(gig=gig, field=PHOTOS_DONE, tier="")),))
    rows.append((Button(_("✖️ Cancel"), GE.pack(gig=gig, field=EDIT_CANCEL, tier="")),))
    return OutgoingMessage(text, buttons=tuple(rows))


def _current(card_spec: GigSpec, field: str, tier: PackageTier | None) -> str:
    """The value being replaced, shown under the question (long texts are left out)."""
    if field == "title":
        return card_spec.title
    if field == "tags":
        return ", ".join(card_spec.tags)
    if field == "description":
        return ""
    package = card_spec.package(tier) if tier else None
    if package is None:
        return ""
    values = {
        "pkg_name": package.name,
        "pkg_desc": package.description,
        "pkg_price": package.price.format(),
        "pkg_days": str(package.delivery_days),
        "pkg_revisions": "unlimited" if package.revisions is None else str(package.revisions),
    }
    return values.get(field, "")


routes = Routes()


async def _saved(_: Translator, update: Update, context: AnyContext, card: GigCard) -> None:
    await reply(update, context, gig_card(_, card), panel(_, card, _("✅ Saved.")))


@routes.button(GE)
async def on_button(
    gig: int,
    field: EditField,
    tier: str,
    user: TelegramIdentity,
    _: Translator,
    editing: GigEditing,
    gigs: GigService,
    update: Update,
    context: AnyContext,
) -> None:
    seller, raw_tier = user.id, tier
    if field is EDIT_CANCEL:
        await editing.cancel(seller)
        card = await gigs.own_card(seller, gig)
        await acknowledge(update)
        await reply(update, context, panel(_, card, _("Nothing was changed.")))
        return
    if field is PHOTOS_DONE:
        card = await editing.finish_photos(seller, gig)
        await acknowledge(update)
        await _saved(_, update, context, card)
        return
    package = PackageTier(raw_tier) if raw_tier in {t.value for t in PackageTier} else None
    if field in (PACKAGE_MENU, EditField.CATEGORY):
        card = await gigs.own_card(seller, gig)
        await acknowledge(update)
        message = (
            package_menu(_, card, raw_tier) if field is PACKAGE_MENU else category_menu(_, gig)
        )
        await reply(update, context, message)
        return
    record = await editing.begin(seller, gig, field.value, package)
    await acknowledge(update)
    current = _current(record.spec, field.value, package)
    await reply(update, context, _ask(_, field.value, gig, current, editing))


@routes.button(GEC)
async def on_category(
    gig: int,
    cat: Category,
    user: TelegramIdentity,
    _: Translator,
    gigs: GigService,
    update: Update,
    context: AnyContext,
) -> None:
    card = await gigs.edit(user.id, gig, "category", cat.value)
    await acknowledge(update)
    await _saved(_, update, context, card)


@routes.step(gig_edits.FLOW)
async def on_message(
    progress: Progress,
    user: TelegramIdentity,
    _: Translator,
    editing: GigEditing,
    update: Update,
    context: AnyContext,
) -> None:
    result = await editing.answer(user.id, progress, answer_of(update.effective_message))
    if isinstance(result, PhotosCollected):
        text = _("Photo {count} received. Send more or tap Done.", count=result.count)
        buttons = (
            (Button(_("✅ Done"), GE.pack(gig=result.gig_id, field=PHOTOS_DONE, tier="")),),
            (Button(_("✖️ Cancel"), GE.pack(gig=result.gig_id, field=EDIT_CANCEL, tier="")),),
        )
        await reply(update, context, OutgoingMessage(text, buttons=buttons))
        return
    await _saved(_, update, context, result)


def register(app: AnyApplication) -> None:
    routes.register(app)
    gig_edit_lists.register(app)  # extras and questions: a flow of their own
