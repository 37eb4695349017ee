"""Editing one field of a published gig, as a short conversation.

Tapping a field asks for the new value (progress flow "edit_gig", kept in the database like
every conversation); the answer is checked with the same rules as creation and written by
`GigService.edit`. Photos are collected until the seller taps Done, then replaced together.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.gig import PackageTier
from bot.errors import ValidationFailed
from bot.i18n.markers import N_
from bot.services.gigs.catalog import EDITABLE_FIELDS, GigCard, GigService
from bot.services.gigs.edit_lists import GigListEditing
from bot.services.gigs.steps import Answer, PhotoAnswer, TextAnswer
from bot.services.ports import GigRecord
from bot.services.progress import Progress, ProgressStore

FLOW = "edit_gig"
PHOTOS = "photos"


@dataclass(frozen=True, slots=True)
class PhotosCollected:
    """Photos received so far in a photo edit (nothing written until Done)."""

    gig_id: int
    count: int


def _tier(raw: object) -> PackageTier | None:
    return PackageTier(str(raw)) if raw else None


class GigEditing:
    def __init__(self, progress: ProgressStore, gigs: GigService) -> None:
        self._progress = progress
        self._gigs = gigs
        self.limits = gigs.limits
        #: Extras and requirement questions: several parts each, so a flow of their own.
        self.lists = GigListEditing(progress, gigs)

    async def begin(
        self, seller_id: int, gig_id: int, field: str, tier: PackageTier | None
    ) -> GigRecord:
        """Ask for a new value: only the owner may, and only for a field that exists."""
        record = await self._gigs.check_owner(seller_id, gig_id)
        if field not in EDITABLE_FIELDS or (field.startswith("pkg_") and tier is None):
            raise ValidationFailed(N_("That field cannot be edited."))
        data: dict[str, object] = {"gig": gig_id, "tier": tier.value if tier else ""}
        if field == PHOTOS:
            data["photos"] = []
        await self._progress.save(seller_id, Progress(FLOW, field, data))
        return record

    async def answer(
        self, seller_id: int, progress: Progress, answer: Answer
    ) -> GigCard | PhotosCollected:
        gig_id = int(progress.data["gig"])
        if progress.step == PHOTOS:
            if not isinstance(answer, PhotoAnswer):
                raise ValidationFailed(
                    N_("Please send {min} to {max} photos as pictures, then tap Done."),
                    min=self.limits.photos_min,
                    max=self.limits.photos_max,
                )
            photos = [*progress.data.get("photos", []), answer.file_id][: self.limits.photos_max]
            await self._progress.save(
                seller_id, Progress(FLOW, PHOTOS, {**progress.data, "photos": photos})
            )
            return PhotosCollected(gig_id, len(photos))
        if not isinstance(answer, TextAnswer):
            raise ValidationFailed(N_("Please send the new value as text."))
        card = await self._gigs.edit(
            seller_id, gig_id, progress.step, answer.text, _tier(progress.data.get("tier"))
        )
        await self._progress.clear(seller_id)
        return card

    async def finish_photos(self, seller_id: int, gig_id: int) -> GigCard:
        progress = await self._progress.get(seller_id)
        if progress is None or progress.flow != FLOW or progress.data.get("gig") != gig_id:
            raise ValidationFailed(N_("Please send the new photos first."))
        card = await self._gigs.edit(seller_id, gig_id, PHOTOS, progress.data.get("photos", []))
        await self._progress.clear(seller_id)
        return card

    async def cancel(self, seller_id: int) -> None:
        await self._progress.clear(seller_id)
