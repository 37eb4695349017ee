"""Editing a published gig: pick a field, send the new value, see the updated card.

The new value is checked with the creation rules (and the whole gig re-checked for publishing),
so a bad value gets the same helpful refusal and the seller stays on the question. Only the
gig's own rows change: orders already placed keep their snapshot, price included.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.domain.gig import GigSpec, PackageTier
from bot.handlers.context import AnyApplication, AnyContext, deps, deps_of, translator
from bot.handlers.gigs import edit_lists as gig_edit_lists
from bot.handlers.gigs.create import answer_of
from bot.handlers.gigs.panel import (
    EDIT_CANCEL,
    GE,
    GEC,
    PACKAGE_MENU,
    PHOTOS_DONE,
    category_menu,
    package_menu,
    panel,
)
from bot.handlers.replies import acknowledge, identity, reply
from bot.i18n.catalogs import Translator
from bot.services.gigs import edits as gig_edits
from bot.services.gigs.catalog import GigCard, GigService
from bot.services.gigs.edits import GigEditing, PhotosCollected
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


async def _saved(update: Update, context: AnyContext, card: GigCard) -> None:
    _ = translator(update, context)
    await reply(update, context, gig_card(_, card), panel(_, card, _("✅ Saved.")))


async def on_button(update: Update, context: AnyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    values = GE.unpack(query.data or "")
    gig, field, raw_tier = int(values["gig"]), str(values["field"]), str(values["tier"])
    _ = translator(update, context)
    dependencies = deps(context)
    seller = identity(update).id
    editing = dependencies.service(GigEditing)
    if field == EDIT_CANCEL:
        await editing.cancel(seller)
        card = await dependencies.service(GigService).own_card(seller, gig)
        await acknowledge(update)
        await reply(update, context, panel(_, card, _("Nothing was changed.")))
        return
    if field == PHOTOS_DONE:
        card = await editing.finish_photos(seller, gig)
        await acknowledge(update)
        await _saved(update, context, card)
        return
    tier = PackageTier(raw_tier) if raw_tier in {t.value for t in PackageTier} else None
    if field in (PACKAGE_MENU, "category"):
        card = await dependencies.service(GigService).own_card(seller, gig)
        await acknowledge(update)
        message = (
            package_menu(_, card, raw_tier) if field == PACKAGE_MENU else category_menu(_, gig)
        )
        await reply(update, context, message)
        return
    record = await editing.begin(seller, gig, field, tier)
    await acknowledge(update)
    await reply(update, context, _ask(_, field, gig, _current(record.spec, field, tier), editing))


async def on_category(update: Update, context: AnyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    values = GEC.unpack(query.data or "")
    card = (
        await deps(context)
        .service(GigService)
        .edit(identity(update).id, int(values["gig"]), "category", str(values["cat"]))
    )
    await acknowledge(update)
    await _saved(update, context, card)


async def on_message(update: Update, context: AnyContext, progress: Progress) -> None:
    _ = translator(update, context)
    result = (
        await deps(context)
        .service(GigEditing)
        .answer(identity(update).id, progress, answer_of(update.effective_message))
    )
    if isinstance(result, PhotosCollected):
        text = _("Photo {count} received. Send more or tap Done.", count=result.count)
        buttons = (
            (Button(_("✅ Done"), GE.pack(gig=result.gig_id, field=PHOTOS_DONE, tier="")),),
            (Button(_("✖️ Cancel"), GE.pack(gig=result.gig_id, field=EDIT_CANCEL, tier="")),),
        )
        await reply(update, context, OutgoingMessage(text, buttons=buttons))
        return
    await _saved(update, context, result)


def register(app: AnyApplication) -> None:
    dependencies = deps_of(app)
    dependencies.callbacks.register(GE)
    dependencies.callbacks.register(GEC)
    dependencies.steps[gig_edits.FLOW] = on_message
    app.add_handler(CallbackQueryHandler(on_button, pattern=GE.pattern))
    app.add_handler(CallbackQueryHandler(on_category, pattern=GEC.pattern))
    gig_edit_lists.register(app)  # extras and questions: a flow of their own
