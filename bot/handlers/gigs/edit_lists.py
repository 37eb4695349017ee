"""Editing a published gig's extras and requirement questions: list, add, change, remove.

The questions asked while writing an extra or a question are the creation prompts themselves
(`gig_create_prompts.prompt`, same texts and limits), with their buttons re-addressed to this
flow; the answers are checked by the same creation steps in `GigListEditing`.
"""

from __future__ import annotations

from typing import Any, assert_never

from telegram import Update

from bot.callbacks import ForgedCallback
from bot.domain.gig import Extra, Requirement, RequirementKind
from bot.handlers.context import AnyApplication, AnyContext
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
    ListKind,
    ListOp,
    panel,
)
from bot.handlers.replies import acknowledge, reply
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.services.gigs import edit_lists as lists
from bot.services.gigs.catalog import GigCard
from bot.services.gigs.drafts import GigCreation
from bot.services.gigs.edit_lists import ListStep
from bot.services.gigs.edits import GigEditing
from bot.services.gigs.steps import ChoiceAnswer
from bot.services.ports import TelegramIdentity
from bot.services.progress import Progress, ProgressStore
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


routes = Routes()


async def _show(
    _: Translator,
    creation: GigCreation,
    update: Update,
    context: AnyContext,
    result: ListStep | GigCard,
) -> None:
    if isinstance(result, ListStep):
        await reply(update, context, _ask(_, result, creation))
        return
    await reply(update, context, gig_card(_, result), panel(_, result, _("✅ Saved.")))


@routes.button(GX)
async def on_list(
    gig: int,
    kind: ListKind,
    op: ListOp,
    index: int,
    v: int,
    user: TelegramIdentity,
    _: Translator,
    editing: GigEditing,
    creation: GigCreation,
    update: Update,
    context: AnyContext,
) -> None:
    seller, lists_editing = user.id, editing.lists
    match op:
        case ListOp.ADD | ListOp.CHANGE:
            position = index if op is LIST_CHANGE else lists.NEW
            step = await lists_editing.begin(seller, gig, kind, position)
            await acknowledge(update)
            await _show(_, creation, update, context, step)
            return
        case ListOp.REMOVE:
            await lists_editing.remove(seller, gig, kind, index, expected_version=v)
        case ListOp.SHOW:
            pass
        case _:
            assert_never(op)
    card, items = await lists_editing.items(seller, gig, kind)
    await acknowledge(update, _("Removed.") if op is LIST_REMOVE else None)
    await reply(update, context, list_menu(_, card, kind, items))


@routes.button(GXA)
async def on_answer_button(
    step: str,
    value: str,
    user: TelegramIdentity,
    _: Translator,
    editing: GigEditing,
    creation: GigCreation,
    progresses: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    """`value` is Cancel or a choice of the creation step (checked by the service)."""
    seller, lists_editing = user.id, editing.lists
    progress = await progresses.get(seller)
    if progress is None or progress.flow != lists.FLOW:
        raise ForgedCallback()
    gig = int(progress.data["gig"])
    if value == CANCEL:
        await lists_editing.cancel(seller)
        await acknowledge(update)
        card, items = await lists_editing.items(seller, gig, str(progress.data["kind"]))
        await reply(
            update,
            context,
            OutgoingMessage(_("Nothing was changed.")),
            list_menu(_, card, str(progress.data["kind"]), items),
        )
        return
    result = await lists_editing.answer(seller, progress, ChoiceAnswer(value), step=step)
    await acknowledge(update)
    await _show(_, creation, update, context, result)


@routes.step(lists.FLOW)
async def on_message(
    progress: Progress,
    user: TelegramIdentity,
    _: Translator,
    editing: GigEditing,
    creation: GigCreation,
    update: Update,
    context: AnyContext,
) -> None:
    result = await editing.lists.answer(user.id, progress, answer_of(update.effective_message))
    await _show(_, creation, update, context, result)


def register(app: AnyApplication) -> None:
    routes.register(app)
