"""The guided creation of a gig: which question comes next and what each answer may be.

The conversation's state is the user's `Progress` (flow "create_gig"): the `GigDraft` built so
far, the question being filled in (`pending`: a requirement under construction) and a stack of
earlier states for Back. It is saved after every accepted answer, so a restart or another
replica resumes at the same question. Nothing here is visible to buyers: the gig itself is only
written by `GigService.publish`.

Answers are checked against the domain's limits at the step they are given (including rules the
publishing check would only find later, like a Standard package cheaper than the Basic one), so
a bad value is refused at once and the user stays on that step.
"""

from __future__ import annotations

from typing import Any

from bot.domain.gig import GigDraft, GigStatus, validate_for_publish
from bot.domain.limits import GigLimits
from bot.domain.money import Money
from bot.domain.user import UserProfile
from bot.errors import Conflict
from bot.i18n.markers import N_
from bot.services.gigs.catalog import GigCard, GigService
from bot.services.gigs.steps import (
    FLOW,
    PREVIEW,
    TITLE,
    Answer,
    DraftState,
    DraftSteps,
)
from bot.services.ports import TelegramIdentity, UnitOfWorkFactory
from bot.services.progress import Progress, ProgressStore

BACK_DEPTH = 80


class StaleStep(Conflict):
    default_message = N_("That button belongs to an earlier step. Please use the latest message.")


class NoDraft(Conflict):
    default_message = N_("There is no gig being created right now. /start opens the menu.")


def _state(progress: Progress) -> DraftState:
    draft = GigDraft.model_validate(progress.data.get("draft") or {})
    pending = progress.data.get("pending")
    return DraftState(progress.step, draft, dict(pending) if isinstance(pending, dict) else {})


def _snapshot(state: DraftState) -> dict[str, Any]:
    return {
        "step": state.step,
        "draft": state.draft.model_dump(mode="json"),
        "pending": state.pending,
    }


def _progress(state: DraftState, back: list[dict[str, Any]]) -> Progress:
    data = {
        "draft": state.draft.model_dump(mode="json"),
        "pending": state.pending,
        "back": back[-BACK_DEPTH:],
    }
    return Progress(FLOW, state.step, data)


class GigCreation:
    """Moves a user's gig draft from question to question; persists every accepted answer."""

    def __init__(
        self,
        progress: ProgressStore,
        uow: UnitOfWorkFactory,
        gigs: GigService,
        currency: str,
    ) -> None:
        self._progress = progress
        self._uow = uow
        self._gigs = gigs
        self.limits: GigLimits = gigs.limits
        self.currency = currency
        self.steps = DraftSteps(gigs.limits, currency)

    async def begin(self, user_id: int) -> DraftState:
        """Start a new draft, or resume the unfinished one (it survived whatever happened)."""
        stored = await self._progress.get(user_id)
        if stored is not None and stored.flow == FLOW:
            state = _state(stored)
            return DraftState(state.step, state.draft, state.pending, resumed=True)
        state = DraftState(TITLE, GigDraft(), {})
        await self._progress.save(user_id, _progress(state, []))
        return state

    async def restart(self, user_id: int) -> DraftState:
        """Throw the unfinished draft away and start from the title."""
        state = DraftState(TITLE, GigDraft(), {})
        await self._progress.save(user_id, _progress(state, []))
        return state

    async def current(self, user_id: int, step: str | None = None) -> DraftState:
        return _state(await self._load(user_id, step))

    async def answer(
        self,
        user_id: int,
        answer: Answer,
        *,
        step: str | None = None,
        progress: Progress | None = None,
    ) -> DraftState:
        """Apply one answer; on a bad value raise ValidationFailed and keep the step."""
        stored = progress if progress is not None else await self._load(user_id, step)
        state = _state(stored)
        new_state = self.steps.apply(state, answer)
        back = list(stored.data.get("back") or [])
        back.append(_snapshot(state))
        await self._progress.save(user_id, _progress(new_state, back))
        return new_state

    async def back(self, user_id: int, step: str) -> DraftState | None:
        """The previous question with its earlier answers; None when leaving the first one."""
        stored = await self._load(user_id, step)
        back = list(stored.data.get("back") or [])
        if not back:
            await self._progress.clear(user_id)
            return None
        previous = back.pop()
        state = _state(Progress(FLOW, str(previous["step"]), previous))
        await self._progress.save(user_id, _progress(state, back))
        return state

    async def unfinished_title(self, user_id: int) -> str | None:
        """The title of an unfinished draft ("" before one was given); None without a draft."""
        stored = await self._progress.get(user_id)
        if stored is None or stored.flow != FLOW:
            return None
        return _state(stored).draft.title or ""

    async def cancel(self, user_id: int) -> None:
        await self._progress.clear(user_id)

    async def preview(self, identity: TelegramIdentity, state: DraftState) -> GigCard:
        """The card buyers will see once it is published (nothing is written)."""
        spec = validate_for_publish(state.draft, self.limits)
        async with self._uow(read_only=True) as uow:
            profile = await uow.users.get(identity.id)
        seller = profile or UserProfile(identity.id, identity.first_name, identity.username)
        return GigCard(gig_id=None, status=GigStatus.draft, spec=spec, seller=seller)

    async def publish(self, identity: TelegramIdentity, step: str) -> GigCard:
        """Publish the draft on the preview step; the progress ends in the same transaction."""
        if step != PREVIEW:
            raise StaleStep()
        draft = _state(await self._load(identity.id, step)).draft
        return await self._gigs.publish(identity, draft)

    async def _load(self, user_id: int, step: str | None) -> Progress:
        stored = await self._progress.get(user_id)
        if stored is None or stored.flow != FLOW:
            raise NoDraft()
        if step is not None and stored.step != step:
            raise StaleStep()
        return stored

    # -- what the prompts offer -----------------------------------------------------------------

    def can_add_extra(self, draft: GigDraft) -> bool:
        return self.steps.can_add_extra(draft)

    def can_add_requirement(self, draft: GigDraft) -> bool:
        return self.steps.can_add_requirement(draft)

    def price_range(self) -> tuple[Money, Money]:
        return self.steps.price_range()
