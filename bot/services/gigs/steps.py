"""The steps of gig creation as pure code: a state and an answer in, the next state out.

No storage and no Telegram: `DraftSteps.apply` checks an answer against the domain's limits at
the step it is given (including rules the publishing check would only find later, like a
Standard package cheaper than the Basic one) and raises `ValidationFailed` saying what is
accepted, so the caller keeps the user on the same step. `GigCreation` persists the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.gig import (
    Category,
    ExtraDraft,
    GigDraft,
    PackageDraft,
    PackageTier,
    Requirement,
    RequirementKind,
    validate_for_publish,
)
from bot.domain.limits import (
    GigLimits,
    validate_choices,
    validate_delivery_days,
    validate_description,
    validate_extra_days,
    validate_extra_revisions,
    validate_extra_title,
    validate_package_description,
    validate_package_name,
    validate_price,
    validate_question,
    validate_revisions,
    validate_tags,
    validate_title,
)
from bot.domain.money import Money, parse_price
from bot.errors import ValidationFailed
from bot.i18n.markers import N_

FLOW = "create_gig"

TITLE, CATEGORY, TAGS, DESCRIPTION = "title", "category", "tags", "description"
PKG_NAME, PKG_DESC, PKG_PRICE, PKG_DAYS, PKG_REVISIONS = (
    "pkg_name",
    "pkg_desc",
    "pkg_price",
    "pkg_days",
    "pkg_revisions",
)
PKG_MORE = "pkg_more"
EXTRAS, EXTRA_TITLE, EXTRA_PRICE, EXTRA_DAYS, EXTRA_REVISIONS = (
    "extras",
    "extra_title",
    "extra_price",
    "extra_days",
    "extra_revisions",
)
REQS, REQ_QUESTION, REQ_KIND, REQ_CHOICES, REQ_REQUIRED = (
    "reqs",
    "req_question",
    "req_kind",
    "req_choices",
    "req_required",
)
PHOTOS, PREVIEW = "photos", "preview"

ADD, DONE, YES, NO, UNLIMITED = "add", "done", "yes", "no", "unlimited"
TIERS: tuple[PackageTier, ...] = tuple(PackageTier)


@dataclass(frozen=True)
class TextAnswer:
    text: str


@dataclass(frozen=True)
class ChoiceAnswer:
    value: str


@dataclass(frozen=True)
class PhotoAnswer:
    file_id: str


Answer = TextAnswer | ChoiceAnswer | PhotoAnswer


@dataclass(frozen=True)
class DraftState:
    """Where the conversation stands: the step, the draft so far, a half-built requirement."""

    step: str
    draft: GigDraft
    pending: dict[str, Any]
    resumed: bool = False

    @property
    def package(self) -> PackageDraft | None:
        return self.draft.packages[-1] if self.draft.packages else None


def _text(answer: Answer) -> str:
    if isinstance(answer, TextAnswer):
        return answer.text
    if isinstance(answer, ChoiceAnswer):
        return answer.value
    raise ValidationFailed(N_("Please answer this question with text, not a photo."))


def _choice(answer: Answer, allowed: set[str]) -> str:
    if isinstance(answer, ChoiceAnswer) and answer.value in allowed:
        return answer.value
    raise ValidationFailed(N_("Please choose one of the buttons under the question."))


def _with_package(state: DraftState, **change: Any) -> GigDraft:
    packages = state.draft.packages
    last = packages[-1].model_copy(update=change)
    return state.draft.model_copy(update={"packages": (*packages[:-1], last)})


class DraftSteps:
    """Which question follows which, and what each accepts."""

    def __init__(self, limits: GigLimits, currency: str) -> None:
        self.limits = limits
        self.currency = currency

    def apply(self, state: DraftState, answer: Answer) -> DraftState:
        """The state after `answer`, or ValidationFailed (the state is then unchanged)."""
        return self._apply(state, answer)

    def _apply(self, state: DraftState, answer: Answer) -> DraftState:
        step, draft, limits = state.step, state.draft, self.limits
        handler = getattr(self, f"_on_{step}", None)
        if handler is not None:
            result: DraftState = handler(state, answer)
            return result
        if step == TITLE:
            draft = draft.model_copy(update={"title": validate_title(_text(answer), limits)})
            return DraftState(CATEGORY, draft, {})
        if step == TAGS:
            draft = draft.model_copy(update={"tags": validate_tags(_text(answer), limits)})
            return DraftState(DESCRIPTION, draft, {})
        if step == DESCRIPTION:
            text = validate_description(_text(answer), limits)
            draft = draft.model_copy(
                update={
                    "description": text,
                    "packages": (*draft.packages, PackageDraft(tier=TIERS[len(draft.packages)])),
                }
            )
            return DraftState(PKG_NAME, draft, {})
        if step == PKG_NAME:
            draft = _with_package(state, name=validate_package_name(_text(answer), limits))
            return DraftState(PKG_DESC, draft, {})
        if step == PKG_DESC:
            text = validate_package_description(_text(answer), limits)
            return DraftState(PKG_PRICE, _with_package(state, description=text), {})
        if step == PKG_PRICE:
            price = self._package_price(state, _text(answer))
            return DraftState(PKG_DAYS, _with_package(state, price=price), {})
        if step == PKG_DAYS:
            days = validate_delivery_days(_text(answer), limits)
            return DraftState(PKG_REVISIONS, _with_package(state, delivery_days=days), {})
        if step == PKG_REVISIONS:
            revisions = validate_revisions(_text(answer), limits)
            draft = _with_package(state, revisions=revisions, unlimited_revisions=revisions is None)
            more = len(draft.packages) < min(limits.packages_max, len(TIERS))
            return DraftState(PKG_MORE if more else EXTRAS, draft, {})
        raise ValidationFailed(N_("Please choose one of the buttons under the question."))

    def _on_category(self, state: DraftState, answer: Answer) -> DraftState:
        value = _choice(answer, {c.value for c in Category})
        draft = state.draft.model_copy(update={"category": Category(value)})
        return DraftState(TAGS, draft, {})

    def _on_pkg_more(self, state: DraftState, answer: Answer) -> DraftState:
        if _choice(answer, {ADD, DONE}) == DONE:
            return DraftState(EXTRAS, state.draft, {})
        packages = state.draft.packages
        if len(packages) >= min(self.limits.packages_max, len(TIERS)):
            return DraftState(EXTRAS, state.draft, {})
        tier = TIERS[len(packages)]
        draft = state.draft.model_copy(update={"packages": (*packages, PackageDraft(tier=tier))})
        return DraftState(PKG_NAME, draft, {})

    def _on_extras(self, state: DraftState, answer: Answer) -> DraftState:
        if _choice(answer, {ADD, DONE}) == DONE or not self.can_add_extra(state.draft):
            return DraftState(REQS, state.draft, {})
        return DraftState(EXTRA_TITLE, state.draft, {})

    def _on_extra_title(self, state: DraftState, answer: Answer) -> DraftState:
        title = validate_extra_title(_text(answer), self.limits)
        if title.casefold() in (e.title.casefold() for e in state.draft.extras if e.title):
            raise ValidationFailed(
                N_("You already have an extra called “{title}”; please choose another title."),
                field="extra_title",
                title=title,
            )
        draft = state.draft.model_copy(
            update={"extras": (*state.draft.extras, ExtraDraft(title=title))}
        )
        return DraftState(EXTRA_PRICE, draft, {})

    def _with_extra(self, state: DraftState, **change: Any) -> GigDraft:
        extras = state.draft.extras
        return state.draft.model_copy(
            update={"extras": (*extras[:-1], extras[-1].model_copy(update=change))}
        )

    def _on_extra_price(self, state: DraftState, answer: Answer) -> DraftState:
        price = validate_price(parse_price(_text(answer), self.currency), self.limits)
        return DraftState(EXTRA_DAYS, self._with_extra(state, price=price), {})

    def _on_extra_days(self, state: DraftState, answer: Answer) -> DraftState:
        days = validate_extra_days(_text(answer), self.limits)
        fastest = min(p.delivery_days or 1 for p in state.draft.packages)
        if fastest + days < self.limits.delivery_days_min:
            raise ValidationFailed(
                N_(
                    "Your fastest package takes {fastest} day(s), so an extra can save at most "
                    "{most} day(s). Send a number from -{most} to {max}."
                ),
                field="extra_days",
                fastest=fastest,
                most=fastest - self.limits.delivery_days_min,
                max=self.limits.extra_days_max,
            )
        return DraftState(EXTRA_REVISIONS, self._with_extra(state, extra_days=days), {})

    def _on_extra_revisions(self, state: DraftState, answer: Answer) -> DraftState:
        revisions = validate_extra_revisions(_text(answer), self.limits)
        return DraftState(EXTRAS, self._with_extra(state, extra_revisions=revisions), {})

    def _on_reqs(self, state: DraftState, answer: Answer) -> DraftState:
        if _choice(answer, {ADD, DONE}) == DONE or not self.can_add_requirement(state.draft):
            return DraftState(PHOTOS, state.draft, {})
        return DraftState(REQ_QUESTION, state.draft, {})

    def _on_req_question(self, state: DraftState, answer: Answer) -> DraftState:
        question = validate_question(_text(answer), self.limits)
        return DraftState(REQ_KIND, state.draft, {"question": question})

    def _on_req_kind(self, state: DraftState, answer: Answer) -> DraftState:
        kind = _choice(answer, {k.value for k in RequirementKind})
        pending = {**state.pending, "kind": kind, "choices": []}
        next_step = REQ_CHOICES if kind == RequirementKind.choice.value else REQ_REQUIRED
        return DraftState(next_step, state.draft, pending)

    def _on_req_choices(self, state: DraftState, answer: Answer) -> DraftState:
        choices = validate_choices(_text(answer), self.limits)
        return DraftState(REQ_REQUIRED, state.draft, {**state.pending, "choices": list(choices)})

    def _on_req_required(self, state: DraftState, answer: Answer) -> DraftState:
        required = _choice(answer, {YES, NO}) == YES
        requirement = Requirement(
            question=str(state.pending["question"]),
            kind=RequirementKind(state.pending["kind"]),
            choices=tuple(state.pending.get("choices") or ()),
            required=required,
        )
        draft = state.draft.model_copy(
            update={"requirements": (*state.draft.requirements, requirement)}
        )
        return DraftState(REQS, draft, {})

    def _on_photos(self, state: DraftState, answer: Answer) -> DraftState:
        photos = state.draft.photos
        if isinstance(answer, PhotoAnswer):
            if answer.file_id in photos:
                return state
            draft = state.draft.model_copy(update={"photos": (*photos, answer.file_id)})
            full = len(draft.photos) >= self.limits.photos_max
            return self._to_preview(draft) if full else DraftState(PHOTOS, draft, {})
        if isinstance(answer, ChoiceAnswer) and answer.value == DONE and photos:
            return self._to_preview(state.draft)
        raise ValidationFailed(
            N_("Please send {min} to {max} photos of your work as pictures (not files)."),
            field="photos",
            min=self.limits.photos_min,
            max=self.limits.photos_max,
        )

    def _on_preview(self, state: DraftState, answer: Answer) -> DraftState:
        raise ValidationFailed(N_("Please tap Publish, or Back to change something."))

    def _to_preview(self, draft: GigDraft) -> DraftState:
        validate_for_publish(draft, self.limits)
        return DraftState(PREVIEW, draft, {})

    def _package_price(self, state: DraftState, text: str) -> Money:
        price = validate_price(parse_price(text, self.currency), self.limits)
        previous = state.draft.packages[:-1]
        if previous and previous[-1].price is not None and price < previous[-1].price:
            raise ValidationFailed(
                N_(
                    "The {tier} package cannot cost less than the previous one ({price}). "
                    "Send {price} or more."
                ),
                field="price",
                tier=state.draft.packages[-1].tier.value,
                price=previous[-1].price.format(),
            )
        return price

    # -- what the prompts offer -----------------------------------------------------------------

    def can_add_extra(self, draft: GigDraft) -> bool:
        return len(draft.extras) < self.limits.extras_max

    def can_add_requirement(self, draft: GigDraft) -> bool:
        return len(draft.requirements) < self.limits.requirements_max

    def price_range(self) -> tuple[Money, Money]:
        return self.limits.price_range(self.currency)
