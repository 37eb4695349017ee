"""Editing a published gig's extras and requirement questions: list, add, change, remove.

The questions asked while writing an extra or a question are the creation prompts themselves
(`gig_create_prompts.prompt`, same texts and limits), with their buttons re-addressed to this
flow; the answers are checked by the same creation steps in `GigListEditing`.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.callbacks import ForgedCallback
from bot.domain.gig import Extra, Requirement, RequirementKind
from bot.handlers.context import AnyApplication, AnyContext, deps, deps_of, translator
from bot.handlers.gigs.create import answer_of
from bot.handlers.gigs.create_prompts import CG, prompt
from bot.handlers.gigs.panel import (
    EDIT_MENU,
    GM,
    GX,
    GXA,
    LIST_ADD,
    LIST_CHANGE,
    LIST_REMOVE,
    panel,
)
from bot.handlers.replies import acknowledge, identity, reply
from bot.i18n.catalogs import Translator
from bot.services.gigs import edit_lists as lists
from bot.services.gigs.catalog import GigCard
from bot.services.gigs.drafts import GigCreation
from bot.services.gigs.edit_lists import ListStep
from bot.services.gigs.edits import GigEditing
from bot.services.gigs.steps import ChoiceAnswer
from bot.services.progress import Progress
from bot.telegram.cards import gig_card
from bot.telegram.messages import Button, OutgoingMessage, escape, truncate

CANCEL = "cancel"
KIND_LABELS = {
    RequirementKind.text: "✍️",
    RequirementKind.file: "📎",
    RequirementKind.choice: "🔘",
}


def _extra_line(_: Translator, extra: Extra) -> str:
    days = (
        _("{n} day(s) faster", n=-extra.extra_days)
        if extra.extra_days < 0
        else _("+{n} day(s)", n=extra.extra_days)
    )
    return _(
        "{title}: +{price}, {days}, +{revisions} revision(s)",
        title=f"<b>{escape(extra.title)}</b>",
        price=extra.price.format(),
        days=days,
        revisions=extra.extra_revisions,
    )


def _question_line(_: Translator, requirement: Requirement) -> str:
    need = _("required") if requirement.required else _("optional")
    line = f"{KIND_LABELS[requirement.kind]} <b>{escape(requirement.question)}</b> ({need})"
    if requirement.choices:
        line += "\n   " + escape(" / ".join(requirement.choices))
    return line


def list_menu(_: Translator, card: GigCard, kind: str, items: tuple[Any, ...]) -> OutgoingMessage:
    """The gig's extras or questions, each with Change and Remove, and Add."""
    assert card.gig_id is not None
    gig = card.gig_id
    extras = kind == lists.EXTRAS
    title = escape(card.spec.title)
    head = (
        _("<b>Extras</b> of {title}", title=title)
        if extras
        else _("<b>Questions</b> of {title}", title=title)
    )
    lines = [head]
    rows: list[tuple[Button, ...]] = []
    for index, item in enumerate(items):
        line = _extra_line(_, item) if extras else _question_line(_, item)
        lines.append(f"{index + 1}. {line}")
        label = truncate(item.title if extras else item.question, 28)
        rows.append(
            (
                Button(
                    f"✏️ {index + 1}. {label}",
                    GX.pack(gig=gig, kind=kind, op=LIST_CHANGE, index=index, v=card.version),
                ),
                Button(
                    _("🗑 Remove"),
                    GX.pack(gig=gig, kind=kind, op=LIST_REMOVE, index=index, v=card.version),
                ),
            )
        )
    if not items:
        lines.append(_("None yet."))
    lines.append(_("Orders already placed keep what they were bought with."))
    add = _("➕ Add an extra") if extras else _("➕ Add a question")
    rows.append(
        (Button(add, GX.pack(gig=gig, kind=kind, op=LIST_ADD, index=lists.NEW, v=card.version)),)
    )
    rows.append((Button(_("⬅️ Back"), GM.pack(op=EDIT_MENU, gig=gig)),))
    return OutgoingMessage("\n".join(lines), buttons=tuple(rows))


def _ask(_: Translator, step: ListStep, creation: GigCreation) -> OutgoingMessage:
    """The creation prompt for this part, its buttons answering this flow, and Cancel."""
    asked = prompt(_, step.state, creation)
    rows: list[tuple[Button, ...]] = []
    for row in asked.buttons:
        buttons = []
        for button in row:
            values = CG.unpack(button.data or "")
            if values["value"] in ("back", "cancel", "restart"):
                continue
            buttons.append(
                Button(button.label, GXA.pack(step=values["step"], value=values["value"]))
            )
        if buttons:
            rows.append(tuple(buttons))
    rows.append((Button(_("✖️ Cancel"), GXA.pack(step=step.state.step, value=CANCEL)),))
    return OutgoingMessage(asked.text, buttons=tuple(rows))


async def _show(update: Update, context: AnyContext, result: ListStep | GigCard) -> None:
    _ = translator(update, context)
    if isinstance(result, ListStep):
        await reply(update, context, _ask(_, result, deps(context).service(GigCreation)))
        return
    await reply(update, context, gig_card(_, result), panel(_, result, _("✅ Saved.")))


async def on_list(update: Update, context: AnyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    values = GX.unpack(query.data or "")
    gig, kind, op, index = (
        int(values["gig"]),
        str(values["kind"]),
        str(values["op"]),
        int(values["index"]),
    )
    if kind not in lists.KINDS:
        raise ForgedCallback()
    _ = translator(update, context)
    seller = identity(update).id
    editing = deps(context).service(GigEditing).lists
    if op in (LIST_ADD, LIST_CHANGE):
        step = await editing.begin(seller, gig, kind, index if op == LIST_CHANGE else lists.NEW)
        await acknowledge(update)
        await _show(update, context, step)
        return
    if op == LIST_REMOVE:
        await editing.remove(seller, gig, kind, index, expected_version=int(values["v"]))
    card, items = await editing.items(seller, gig, kind)
    await acknowledge(update, _("Removed.") if op == LIST_REMOVE else None)
    await reply(update, context, list_menu(_, card, kind, items))


async def on_answer_button(update: Update, context: AnyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    values = GXA.unpack(query.data or "")
    seller = identity(update).id
    dependencies = deps(context)
    editing = dependencies.service(GigEditing).lists
    progress = await dependencies.progress.get(seller)
    if progress is None or progress.flow != lists.FLOW:
        raise ForgedCallback()
    gig = int(progress.data["gig"])
    if values["value"] == CANCEL:
        await editing.cancel(seller)
        await acknowledge(update)
        _ = translator(update, context)
        card, items = await editing.items(seller, gig, str(progress.data["kind"]))
        await reply(
            update,
            context,
            OutgoingMessage(_("Nothing was changed.")),
            list_menu(_, card, str(progress.data["kind"]), items),
        )
        return
    result = await editing.answer(
        seller, progress, ChoiceAnswer(str(values["value"])), step=str(values["step"])
    )
    await acknowledge(update)
    await _show(update, context, result)


async def on_message(update: Update, context: AnyContext, progress: Progress) -> None:
    editing = deps(context).service(GigEditing).lists
    result = await editing.answer(
        identity(update).id, progress, answer_of(update.effective_message)
    )
    await _show(update, context, result)


def register(app: AnyApplication) -> None:
    dependencies = deps_of(app)
    dependencies.callbacks.register(GX)
    dependencies.callbacks.register(GXA)
    dependencies.steps[lists.FLOW] = on_message
    app.add_handler(CallbackQueryHandler(on_list, pattern=GX.pattern))
    app.add_handler(CallbackQueryHandler(on_answer_button, pattern=GXA.pattern))
