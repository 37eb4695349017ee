"""Gig use cases: publish, show, list, edit, pause/resume and delete.

Each method is one unit of work and re-checks that the acting user owns the gig, because a
button's data can be forged. Edits go through the same publishing rules as creation
(`validate_for_publish`), so a live gig can never become unpublishable, and they rewrite only the
gig's own rows: orders carry a snapshot of what was bought.

Every write names the gig version it was computed from (optimistic concurrency, like orders):
on PostgreSQL with several replicas two taps or two edits can read the same gig at once, and a
write over a newer version would silently undo the other edit or revive a gig deleted meanwhile.
The loser gets `GigChangedMeanwhile` (or `GigGone`) and simply tries again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from bot.clock import Clock
from bot.domain.gig import (
    Category,
    ExtraDraft,
    GigDraft,
    GigSpec,
    GigStatus,
    PackageDraft,
    PackageTier,
    validate_for_publish,
)
from bot.domain.levels import SELLER_LEVEL_LABELS, level_of
from bot.domain.limits import (
    GigLimits,
    validate_delivery_days,
    validate_description,
    validate_package_description,
    validate_package_name,
    validate_photos,
    validate_price,
    validate_revisions,
    validate_tags,
    validate_title,
)
from bot.domain.money import parse_price
from bot.domain.order import OPEN_STATUSES
from bot.domain.user import UserProfile
from bot.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from bot.i18n.markers import N_
from bot.services.ports import GigRecord, TelegramIdentity, UnitOfWork, UnitOfWorkFactory
from bot.services.progress import PROGRESS_KIND


class GigPaused(NotFound):
    default_message = N_(
        "This gig is paused by its seller and cannot be ordered right now. /start opens the menu."
    )


class GigGone(NotFound):
    default_message = N_("This gig does not exist or was deleted. /start opens the menu.")


class GigHasOpenOrders(Conflict):
    default_message = N_(
        "This gig has {count} open order(s), so it cannot be deleted yet. Pause it instead: "
        "buyers will not see it, and you can delete it once those orders are finished."
    )


class GigChangedMeanwhile(Conflict):
    """Another change to the gig committed between reading it and writing this one."""

    default_message = N_(
        "This gig was changed at the same moment, so nothing was saved. Please look at it and "
        "try again."
    )


class NotYourGig(NotAllowed):
    default_message = N_("This is not your gig, so you cannot change it.")


@dataclass(frozen=True, slots=True)
class GigCard:
    """Everything a gig card shows: the gig as published and who sells it."""

    gig_id: int | None
    status: GigStatus
    spec: GigSpec
    seller: UserProfile
    level: str = N_("New seller")
    #: Buyers' reviews of this gig: plain average of the stars and how many.
    rating_average: float = 0.0
    rating_count: int = 0
    #: The stored gig's version the card shows (0 for a draft), so a button made from this
    #: card can name it and be refused once the gig changed (see `GigService.edit_with`).
    version: int = 0


#: Fields the edit flow can change; package fields also name a tier.
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "category",
        "tags",
        "description",
        "pkg_name",
        "pkg_desc",
        "pkg_price",
        "pkg_days",
        "pkg_revisions",
        "photos",
    }
)


def draft_from_spec(spec: GigSpec) -> GigDraft:
    """A publishable gig as a draft, so an edit passes the same rules as creation."""
    return GigDraft(
        title=spec.title,
        category=spec.category,
        tags=spec.tags,
        description=spec.description,
        packages=tuple(
            PackageDraft(
                tier=p.tier,
                name=p.name,
                description=p.description,
                price=p.price,
                delivery_days=p.delivery_days,
                revisions=p.revisions,
                unlimited_revisions=p.revisions is None,
            )
            for p in spec.packages
        ),
        extras=tuple(
            ExtraDraft(
                title=e.title,
                price=e.price,
                extra_days=e.extra_days,
                extra_revisions=e.extra_revisions,
            )
            for e in spec.extras
        ),
        requirements=spec.requirements,
        photos=spec.photos,
    )


def _package_change(field: str, value: Any, currency: str, limits: GigLimits) -> dict[str, Any]:
    if field == "pkg_name":
        return {"name": validate_package_name(value, limits)}
    if field == "pkg_desc":
        return {"description": validate_package_description(value, limits)}
    if field == "pkg_price":
        return {"price": validate_price(parse_price(value, currency), limits)}
    if field == "pkg_days":
        return {"delivery_days": validate_delivery_days(value, limits)}
    revisions = validate_revisions(value, limits)
    return {"revisions": revisions, "unlimited_revisions": revisions is None}


def apply_edit(
    spec: GigSpec, field: str, value: Any, tier: PackageTier | None, limits: GigLimits
) -> GigSpec:
    """The gig with one field changed, or ValidationFailed saying what is accepted."""
    draft = draft_from_spec(spec)
    if field == "title":
        draft = draft.model_copy(update={"title": validate_title(value, limits)})
    elif field == "category":
        try:
            draft = draft.model_copy(update={"category": Category(value)})
        except ValueError:
            raise ValidationFailed(N_("Please pick a category with the buttons.")) from None
    elif field == "tags":
        draft = draft.model_copy(update={"tags": validate_tags(value, limits)})
    elif field == "description":
        draft = draft.model_copy(update={"description": validate_description(value, limits)})
    elif field == "photos":
        draft = draft.model_copy(update={"photos": validate_photos(value, limits)})
    elif field.startswith("pkg_") and field in EDITABLE_FIELDS and tier is not None:
        change = _package_change(field, value, spec.currency, limits)
        if spec.package(tier) is None:
            raise NotFound()
        draft = draft.model_copy(
            update={
                "packages": tuple(
                    p.model_copy(update=change) if p.tier == tier else p for p in draft.packages
                )
            }
        )
    else:
        raise NotFound()
    return validate_for_publish(draft, limits)


#: Called inside the unit of work of every publish, pause, resume, delete and edit, with the
#: gig id and what happened ("published", "paused", "resumed", "deleted", "price", "edited"),
#: so other features (group posts) commit their consequences with the change itself.
GigListener = Callable[[UnitOfWork, int, datetime, str], Awaitable[object]]


class GigService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, limits: GigLimits) -> None:
        self._uow = uow
        self._clock = clock
        self.limits = limits
        self.listeners: list[GigListener] = []

    async def _changed(self, uow: UnitOfWork, gig_id: int, now: datetime, change: str) -> None:
        for listener in self.listeners:
            await listener(uow, gig_id, now, change)

    async def publish(self, identity: TelegramIdentity, draft: GigDraft) -> GigCard:
        """Write the gig live, and end the creation conversation, in one transaction."""
        spec = validate_for_publish(draft, self.limits)
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.users.upsert_identity(identity, now)
            gig_id = await uow.gigs.add(identity.id, spec, GigStatus.live, now)
            await uow.persistence.delete(PROGRESS_KIND, str(identity.id))
            await self._changed(uow, gig_id, now, "published")
            return await card_for(uow, await _own(uow, identity.id, gig_id))

    async def card_for_viewer(self, gig_id: int, viewer_id: int) -> GigCard:
        """The card a deep link opens: live gigs for everyone, paused ones only for the seller."""
        async with self._uow(read_only=True) as uow:
            record = await uow.gigs.get(gig_id)
            if record is None or record.status is GigStatus.deleted:
                raise GigGone()
            if record.status is not GigStatus.live and record.seller_id != viewer_id:
                raise GigPaused()
            return await card_for(uow, record)

    async def my_gigs(self, seller_id: int) -> Sequence[GigRecord]:
        async with self._uow(read_only=True) as uow:
            return await uow.gigs.list_by_seller(seller_id)

    async def own_card(self, seller_id: int, gig_id: int) -> GigCard:
        async with self._uow(read_only=True) as uow:
            return await card_for(uow, await _own(uow, seller_id, gig_id))

    async def set_paused(self, seller_id: int, gig_id: int, paused: bool) -> GigCard:
        """Pause or resume; a gig deleted meanwhile stays deleted, a double tap is a no-op."""
        async with self._uow() as uow:
            record = await _own(uow, seller_id, gig_id)
            status = GigStatus.paused if paused else GigStatus.live
            if record.status is not status:
                now = self._clock.now()
                if not await uow.gigs.set_status(gig_id, status, now, record.version):
                    current = await _own(uow, seller_id, gig_id)  # GigGone if deleted meanwhile
                    if current.status is status:  # the other tap did the same: nothing to do
                        return await card_for(uow, current)
                    raise GigChangedMeanwhile()
                await self._changed(uow, gig_id, now, "paused" if paused else "resumed")
            return await card_for(uow, await _own(uow, seller_id, gig_id))

    async def delete(self, seller_id: int, gig_id: int) -> str:
        """Delete (kept as a `deleted` row for order history); refused while orders are open."""
        async with self._uow() as uow:
            record = await _own(uow, seller_id, gig_id)
            count = await uow.gigs.count_open_orders(gig_id, {s.value for s in OPEN_STATUSES})
            if count:
                raise GigHasOpenOrders(count=count)
            now = self._clock.now()
            if not await uow.gigs.set_status(gig_id, GigStatus.deleted, now, record.version):
                await _refuse_stale(uow, seller_id, gig_id)
            await self._changed(uow, gig_id, now, "deleted")
            return record.spec.title

    async def edit(
        self,
        seller_id: int,
        gig_id: int,
        field: str,
        value: Any,
        tier: PackageTier | None = None,
    ) -> GigCard:
        """Change one field of the seller's own gig; only the gig's rows are rewritten."""
        async with self._uow() as uow:
            record = await _own(uow, seller_id, gig_id)
            spec = apply_edit(record.spec, field, value, tier, self.limits)
            now = self._clock.now()
            await _write_spec(uow, seller_id, record, spec, now)
            await self._changed(uow, gig_id, now, "price" if field == "pkg_price" else "edited")
            return await card_for(uow, await _own(uow, seller_id, gig_id))

    async def edit_with(
        self,
        seller_id: int,
        gig_id: int,
        change: Callable[[GigDraft], GigDraft],
        *,
        expected_version: int | None = None,
    ) -> GigCard:
        """Change the gig by a function of its current content (extras, questions), checked
        with the publishing rules; read and written in one transaction under the version check
        so no edit is lost. With `expected_version` (the version a button was made from) the
        change is refused once the gig moved on: a change by list position must not hit
        another item after the list shifted (a double-tapped Remove)."""
        async with self._uow() as uow:
            record = await _own(uow, seller_id, gig_id)
            if expected_version is not None and record.version != expected_version:
                raise GigChangedMeanwhile()
            spec = validate_for_publish(change(draft_from_spec(record.spec)), self.limits)
            now = self._clock.now()
            await _write_spec(uow, seller_id, record, spec, now)
            await self._changed(uow, gig_id, now, "edited")
            return await card_for(uow, await _own(uow, seller_id, gig_id))

    async def check_owner(self, seller_id: int, gig_id: int) -> GigRecord:
        """For flows that ask before they change: refuse early with the same rule."""
        async with self._uow(read_only=True) as uow:
            return await _own(uow, seller_id, gig_id)


async def _own(uow: UnitOfWork, seller_id: int, gig_id: int) -> GigRecord:
    record = await uow.gigs.get(gig_id)
    if record is None or record.status is GigStatus.deleted:
        raise GigGone()
    if record.seller_id != seller_id:
        raise NotYourGig()
    return record


async def _write_spec(
    uow: UnitOfWork, seller_id: int, record: GigRecord, spec: GigSpec, now: datetime
) -> None:
    """Write a spec computed from `record`, only over that very version."""
    if not await uow.gigs.update_spec(record.id, spec, now, record.version):
        await _refuse_stale(uow, seller_id, record.id)


async def _refuse_stale(uow: UnitOfWork, seller_id: int, gig_id: int) -> NoReturn:
    """A version-checked write lost: `GigGone` when the gig was deleted meanwhile, else
    `GigChangedMeanwhile`."""
    await _own(uow, seller_id, gig_id)
    raise GigChangedMeanwhile()


async def card_for(uow: UnitOfWork, record: GigRecord) -> GigCard:
    """The one way to build a gig's card (rating, review count, seller level), for every place
    that shows one: private chats, group posts and digests, inline results."""
    seller = await uow.users.get(record.seller_id)
    stars, count = await uow.reviews.gig_rating(record.id)
    level = level_of(await uow.reviews.track_record(record.seller_id))
    return GigCard(
        gig_id=record.id,
        status=record.status,
        spec=record.spec,
        seller=seller or UserProfile(id=record.seller_id, first_name=""),
        level=SELLER_LEVEL_LABELS[level],
        rating_average=stars / count if count else 0.0,
        rating_count=count,
        version=record.version,
    )
