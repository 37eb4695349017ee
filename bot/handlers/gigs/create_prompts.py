"""What the gig creation conversation says at each step, and the buttons it offers.

Pure rendering: a `DraftState` in, an `OutgoingMessage` out. Every prompt names what is
accepted (from the same `GigLimits` the service checks with) and carries Back and Cancel.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.callbacks import action
from bot.domain.gig import (
    PACKAGE_TIER_LABELS,
    Category,
    PackageTier,
    RequirementKind,
    category_label,
)
from bot.domain.money import price_example
from bot.i18n.catalogs import Translator
from bot.services.gigs import steps as d
from bot.services.gigs.drafts import GigCreation
from bot.services.gigs.steps import DraftState
from bot.telegram.messages import Button, OutgoingMessage, escape

CG = action("cg", step=str, value=str)
BACK, CANCEL, PUBLISH, RESTART = "back", "cancel", "publish", "restart"

Rows = tuple[tuple[Button, ...], ...]


def _nav(_: Translator, step: str) -> tuple[Button, ...]:
    return (
        Button(_("⬅️ Back"), CG.pack(step=step, value=BACK)),
        Button(_("✖️ Cancel"), CG.pack(step=step, value=CANCEL)),
    )


def _choices(step: str, options: Sequence[tuple[str, str]], per_row: int = 2) -> Rows:
    buttons = [Button(label, CG.pack(step=step, value=value)) for label, value in options]
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def tier_label(_: Translator, tier: PackageTier) -> str:
    return _(PACKAGE_TIER_LABELS[tier])


def _package_prompt(_: Translator, state: DraftState, creation: GigCreation) -> tuple[str, Rows]:
    package = state.package
    assert package is not None  # package steps always have one being filled in
    tier = f"<b>{escape(tier_label(_, package.tier))}</b>"
    limits, step = creation.limits, state.step
    if step == d.PKG_NAME:
        return _(
            "{tier} package: give it a short name ({min}–{max} characters), like “Starter”.",
            tier=tier,
            min=limits.package_name_min,
            max=limits.package_name_max,
        ), ()
    if step == d.PKG_DESC:
        return _(
            "{tier} package: what is included? ({min}–{max} characters)",
            tier=tier,
            min=limits.package_description_min,
            max=limits.package_description_max,
        ), ()
    if step == d.PKG_PRICE:
        low, high = creation.price_range()
        previous = state.draft.packages[-2].price if len(state.draft.packages) > 1 else None
        text = _(
            "{tier} package: the price in {currency}, from {low} to {high}. Example: {example}",
            tier=tier,
            currency=creation.currency,
            low=low.format(),
            high=high.format(),
            example=price_example(creation.currency),
        )
        if previous is not None:
            text += "\n" + _(
                "It cannot be less than the previous package ({price}).", price=previous.format()
            )
        return text, ()
    if step == d.PKG_DAYS:
        text = _(
            "{tier} package: delivery time in days ({min}–{max}). Tap or type a number.",
            tier=tier,
            min=limits.delivery_days_min,
            max=limits.delivery_days_max,
        )
        days = [
            n
            for n in (1, 2, 3, 5, 7, 14)
            if limits.delivery_days_min <= n <= limits.delivery_days_max
        ]
        return text, _choices(step, [(str(n), str(n)) for n in days], per_row=6)
    text = _(
        "{tier} package: how many revisions are included? {min}–{max}, or unlimited.",
        tier=tier,
        min=limits.revisions_min,
        max=limits.revisions_max,
    )
    options = [(str(n), str(n)) for n in (0, 1, 2, 3, 5) if n <= limits.revisions_max]
    if limits.unlimited_revisions_allowed:
        options.append((_("Unlimited"), d.UNLIMITED))
    return text, _choices(step, options, per_row=6)


def _extra_prompt(_: Translator, state: DraftState, creation: GigCreation) -> tuple[str, Rows]:
    limits, step = creation.limits, state.step
    if step == d.EXTRA_TITLE:
        return _(
            "Title of the extra ({min}–{max} characters), like “Delivery in 1 day” or "
            "“Extra revision”.",
            min=limits.extra_title_min,
            max=limits.extra_title_max,
        ), ()
    title = escape(state.draft.extras[-1].title or "")
    if step == d.EXTRA_PRICE:
        low, high = creation.price_range()
        return _(
            "Price of “{title}” in {currency}, from {low} to {high}.",
            title=title,
            currency=creation.currency,
            low=low.format(),
            high=high.format(),
        ), ()
    if step == d.EXTRA_DAYS:
        fastest = min(p.delivery_days or 1 for p in state.draft.packages)
        most = fastest - limits.delivery_days_min
        options = [(_("Same time"), "0")]
        options += [(_("{n} day(s) faster", n=n), f"-{n}") for n in (1, 2) if n <= most]
        options.append((_("1 day longer"), "1"))
        return _(
            "Does “{title}” change the delivery time? Send the days it adds, or a negative "
            "number for faster delivery (-{most} at most: your fastest package takes {fastest}).",
            title=title,
            most=most,
            fastest=fastest,
        ), _choices(step, options)
    return _(
        "How many extra revisions come with “{title}”? ({min}–{max})",
        title=title,
        min=limits.extra_revisions_min,
        max=limits.extra_revisions_max,
    ), _choices(step, [(str(n), str(n)) for n in (0, 1, 2, 3)], per_row=4)


def _requirement_prompt(
    _: Translator, state: DraftState, creation: GigCreation
) -> tuple[str, Rows]:
    limits, step = creation.limits, state.step
    if step == d.REQ_QUESTION:
        return _(
            "Type the question for the buyer ({min}–{max} characters), like “What is your "
            "brand name?”.",
            min=limits.question_min,
            max=limits.question_max,
        ), ()
    if step == d.REQ_KIND:
        return _("How should the buyer answer it?"), _choices(
            step,
            [
                (_("✍️ Text"), RequirementKind.text.value),
                (_("📎 File"), RequirementKind.file.value),
                (_("🔘 Multiple choice"), RequirementKind.choice.value),
            ],
            per_row=3,
        )
    if step == d.REQ_CHOICES:
        return _(
            "Send the options, one per line or separated by commas ({min}–{max} options, "
            "up to {max_len} characters each).",
            min=limits.choices_min,
            max=limits.choices_max,
            max_len=limits.choice_max,
        ), ()
    return _("Must the buyer answer it before you start?"), _choices(
        step, [(_("Required"), d.YES), (_("Optional"), d.NO)]
    )


def prompt(_: Translator, state: DraftState, creation: GigCreation) -> OutgoingMessage:
    """The question for the step the user is on (the preview is rendered by the handler)."""
    limits, step, draft = creation.limits, state.step, state.draft
    rows: Rows = ()
    if step == d.TITLE:
        text = _(
            "<b>New gig</b>\nWhat do you offer? Send a title of {min}–{max} characters, like "
            "“I will design a minimalist logo for your brand”.",
            min=limits.title_min,
            max=limits.title_max,
        )
    elif step == d.CATEGORY:
        text = _("Choose the category that fits best:")
        rows = _choices(step, [(_(category_label(c)), c.value) for c in Category])
    elif step == d.TAGS:
        text = _(
            "Search tags: {min}–{max} words buyers might search for, separated by commas "
            "(letters, digits, spaces and hyphens, {tag_min}–{tag_max} characters each). "
            "Example: logo, branding, minimalist",
            min=limits.tags_min,
            max=limits.tags_max,
            tag_min=limits.tag_min,
            tag_max=limits.tag_max,
        )
    elif step == d.DESCRIPTION:
        text = _(
            "Describe your gig: what you do, how you work and what the buyer gets "
            "({min}–{max} characters).",
            min=limits.description_min,
            max=limits.description_max,
        )
    elif step.startswith("pkg_") and step != d.PKG_MORE:
        text, rows = _package_prompt(_, state, creation)
    elif step == d.PKG_MORE:
        count = len(draft.packages)
        text = _("Package saved. You have {count} of up to 3 packages.", count=count)
        next_tier = d.TIERS[count] if count < len(d.TIERS) else None
        options = []
        if next_tier is not None and count < limits.packages_max:
            options.append((_("➕ Add the {tier} package", tier=tier_label(_, next_tier)), d.ADD))
        options.append((_("✅ Done with packages"), d.DONE))
        rows = _choices(step, options, per_row=1)
    elif step == d.EXTRAS:
        text = _(
            "Optional extras buyers can add to any package, like “Delivery in 1 day” or "
            "“Extra revision”. You have {count} (at most {max}).",
            count=len(draft.extras),
            max=limits.extras_max,
        )
        options = [(_("➕ Add an extra"), d.ADD)] if creation.can_add_extra(draft) else []
        label = _("✅ Done with extras") if draft.extras else _("Skip: no extras")
        rows = _choices(step, [*options, (label, d.DONE)], per_row=1)
    elif step.startswith("extra_"):
        text, rows = _extra_prompt(_, state, creation)
    elif step == d.REQS:
        text = _(
            "Questions the buyer answers after paying, so you can start right away. "
            "You have {count} (at most {max}).",
            count=len(draft.requirements),
            max=limits.requirements_max,
        )
        options = [(_("➕ Add a question"), d.ADD)] if creation.can_add_requirement(draft) else []
        label = _("✅ Done with questions") if draft.requirements else _("Skip: no questions")
        rows = _choices(step, [*options, (label, d.DONE)], per_row=1)
    elif step.startswith("req_"):
        text, rows = _requirement_prompt(_, state, creation)
    else:
        text = _(
            "Send {min}–{max} photos of your work, as pictures. {count} received so far.",
            min=limits.photos_min,
            max=limits.photos_max,
            count=len(draft.photos),
        )
        if draft.photos:
            rows = _choices(step, [(_("✅ Done with photos"), d.DONE)])
    if state.resumed:
        text = _("Welcome back! Here is where you left off with your gig.") + "\n\n" + text
        rows = (*rows, (Button(_("🔄 Start over"), CG.pack(step=step, value=RESTART)),))
    return OutgoingMessage(text, buttons=(*rows, _nav(_, step)))


def preview_buttons(_: Translator) -> Rows:
    return (
        (Button(_("🚀 Publish"), CG.pack(step=d.PREVIEW, value=PUBLISH)),),
        _nav(_, d.PREVIEW),
    )
