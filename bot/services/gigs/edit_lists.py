"""Adding, changing and removing the extras and requirement questions of a published gig.

An extra or a question has several parts asked one after another, so editing one is a short
conversation (progress flow "edit_gig_list"). It reuses the creation steps (`DraftSteps`) on the
gig's current content, so every answer meets exactly the rules it met at creation (a duplicate
extra title, an extra that would make delivery too fast, a choice question without options...).
Nothing is written until the last part is answered; then `GigService.edit_with` splices the new
item in and re-checks the whole gig for publishing, in one transaction. Orders already placed
keep their snapshot of the questions and prices they were bought with.

Items are addressed by their position in the list, and a position names another item once the
list has shifted (a double-tapped Remove, a change made from another device). So a change
checks, when it is written, that the position still holds the item it was started on, and a
removal can be tied to the gig version its button was drawn from (`GigCard.version`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.gig import ExtraDraft, GigDraft, GigSpec
from bot.errors import NotFound, ValidationFailed
from bot.i18n.markers import N_
from bot.services.gigs import steps as d
from bot.services.gigs.catalog import GigCard, GigChangedMeanwhile, GigService, draft_from_spec
from bot.services.gigs.steps import Answer, DraftState, DraftSteps
from bot.services.progress import Progress, ProgressStore

FLOW = "edit_gig_list"
EXTRAS, QUESTIONS = "x", "q"
KINDS = (EXTRAS, QUESTIONS)
#: `index` of an item being added rather than changed.
NEW = -1


@dataclass(frozen=True, slots=True)
class ListStep:
    """The next part to ask for: the creation step and the draft it is asked about."""

    gig_id: int
    kind: str
    index: int
    state: DraftState
    steps: DraftSteps


def _items(spec: GigSpec | GigDraft, kind: str) -> tuple[Any, ...]:
    return tuple(spec.extras if kind == EXTRAS else spec.requirements)


def _fingerprint(item: Any) -> dict[str, Any]:
    """An item as plain data, to recognise it again in a later transaction."""
    dumped: dict[str, Any] = item.model_dump(mode="json")
    return dumped


def _spliced(
    draft: GigDraft, kind: str, index: int, item: Any | None, was: Any | None = None
) -> GigDraft:
    """The draft with item `index` replaced by `item` (appended for NEW, removed for None);
    with `was` (a `_fingerprint`), only while that position still holds that very item."""
    items = list(_items(draft, kind))
    if index != NEW and not 0 <= index < len(items):
        raise NotFound()  # the list changed since the menu was shown
    if index != NEW and was is not None and _fingerprint(items[index]) != was:
        raise GigChangedMeanwhile()  # another item moved into this position meanwhile
    if index == NEW:
        items.append(item)
    elif item is None:
        del items[index]
    else:
        items[index] = item
    field = "extras" if kind == EXTRAS else "requirements"
    return draft.model_copy(update={field: tuple(items)})


def _state(spec: GigSpec, progress: Progress) -> DraftState:
    """The creation state for the part being asked: the gig without the item being changed,
    plus the new item as far as it has been answered (the way creation holds it)."""
    kind, index = str(progress.data["kind"]), int(progress.data["index"])
    draft = draft_from_spec(spec)
    if index != NEW:
        draft = _spliced(draft, kind, index, None)
    item = progress.data.get("item")
    if kind == EXTRAS and item:
        draft = draft.model_copy(
            update={"extras": (*draft.extras, ExtraDraft.model_validate(item))}
        )
    pending = progress.data.get("pending")
    return DraftState(progress.step, draft, dict(pending) if isinstance(pending, dict) else {})


class GigListEditing:
    def __init__(self, progress: ProgressStore, gigs: GigService) -> None:
        self._progress = progress
        self._gigs = gigs
        self.limits = gigs.limits

    def _steps(self, spec: GigSpec) -> DraftSteps:
        return DraftSteps(self.limits, spec.currency)

    async def items(
        self, seller_id: int, gig_id: int, kind: str
    ) -> tuple[GigCard, tuple[Any, ...]]:
        """The seller's own gig and its extras or questions, for the list menu."""
        card = await self._gigs.own_card(seller_id, gig_id)
        return card, _items(card.spec, kind)

    async def begin(self, seller_id: int, gig_id: int, kind: str, index: int) -> ListStep:
        """Start adding (index NEW) or changing one item; refused when the gig has no room."""
        spec = (await self._gigs.check_owner(seller_id, gig_id)).spec
        items = _items(spec, kind)
        if kind not in KINDS or not NEW <= index < len(items):
            raise NotFound()
        most = self.limits.extras_max if kind == EXTRAS else self.limits.requirements_max
        if index == NEW and len(items) >= most:
            raise ValidationFailed(
                N_("This gig already has {max}, the most allowed. Remove one first."), max=most
            )
        step = d.EXTRA_TITLE if kind == EXTRAS else d.REQ_QUESTION
        data: dict[str, Any] = {"gig": gig_id, "kind": kind, "index": index}
        if index != NEW:  # what is being changed, checked again when the change is written
            data["was"] = _fingerprint(_items(draft_from_spec(spec), kind)[index])
        progress = Progress(FLOW, step, data)
        await self._progress.save(seller_id, progress)
        return ListStep(gig_id, kind, index, _state(spec, progress), self._steps(spec))

    async def answer(
        self, seller_id: int, progress: Progress, answer: Answer, step: str | None = None
    ) -> ListStep | GigCard:
        """Apply one answer with the creation rules; the last one saves the gig."""
        if step is not None and step != progress.step:
            raise ValidationFailed(
                N_("That button belongs to an earlier step. Please use the latest message.")
            )
        gig_id, kind = int(progress.data["gig"]), str(progress.data["kind"])
        index = int(progress.data["index"])
        spec = (await self._gigs.check_owner(seller_id, gig_id)).spec
        steps = self._steps(spec)
        new = steps.apply(_state(spec, progress), answer)
        if new.step in (d.EXTRAS, d.REQS):  # the item's last part was answered
            item = new.draft.extras[-1] if kind == EXTRAS else new.draft.requirements[-1]
            was = progress.data.get("was")  # absent in progress saved before it was recorded
            card = await self._gigs.edit_with(
                seller_id, gig_id, lambda draft: _spliced(draft, kind, index, item, was)
            )
            await self._progress.clear(seller_id)
            return card
        data: dict[str, Any] = {**progress.data, "pending": new.pending}
        if kind == EXTRAS and new.draft.extras and new.step != d.EXTRA_TITLE:
            data["item"] = new.draft.extras[-1].model_dump(mode="json")
        await self._progress.save(seller_id, Progress(FLOW, new.step, data))
        return ListStep(gig_id, kind, index, new, steps)

    async def remove(
        self,
        seller_id: int,
        gig_id: int,
        kind: str,
        index: int,
        expected_version: int | None = None,
    ) -> GigCard:
        """Remove one extra or question (checked for publishing like any edit).

        The Remove button names a position; a second tap of it would otherwise remove the item
        that moved up into that position. `expected_version` is the gig version the list menu
        was drawn from (`GigCard.version`): once anything changed the gig, the tap is refused
        with `GigChangedMeanwhile` instead. Ownership and the position are checked inside the
        writing transaction (`edit_with`), so they cannot go stale before the write."""
        if kind not in KINDS or index < 0:
            raise NotFound()
        return await self._gigs.edit_with(
            seller_id,
            gig_id,
            lambda draft: _spliced(draft, kind, index, None),
            expected_version=expected_version,
        )

    async def cancel(self, seller_id: int) -> None:
        await self._progress.clear(seller_id)
