"""The seller profile: what buyers read about a freelancer on every gig card.

Kept on the `users` row (display name, bio, skills, languages, time zone). Each edit is one
unit of work that also refreshes the Telegram identity, because a profile may be edited before
the user ever published anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.clock import Clock
from bot.domain.profile import validate_bio, validate_display_name, validate_list, validate_timezone
from bot.domain.user import UserProfile
from bot.errors import NotFound
from bot.services.ports import TelegramIdentity, UnitOfWorkFactory
from bot.services.progress import PROGRESS_KIND, Progress, ProgressStore

FLOW = "profile"

#: Profile field -> the domain check that cleans what the user typed.
PROFILE_VALIDATORS: Mapping[str, Callable[[str], str]] = {
    "display_name": validate_display_name,
    "bio": validate_bio,
    "skills": lambda text: validate_list(text, "skills"),
    "languages": lambda text: validate_list(text, "languages"),
    "timezone": validate_timezone,
}


class ProfileService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, progress: ProgressStore) -> None:
        self._uow = uow
        self._clock = clock
        self._progress = progress

    async def get(self, identity: TelegramIdentity) -> UserProfile:
        async with self._uow() as uow:
            return await uow.users.upsert_identity(identity, self._clock.now())

    async def begin_edit(self, user_id: int, field: str) -> None:
        """Remember which field the next message sets (kept across restarts)."""
        if field not in PROFILE_VALIDATORS:
            raise NotFound()
        await self._progress.save(user_id, Progress(FLOW, field))

    async def stop_editing(self, identity: TelegramIdentity) -> UserProfile:
        await self._progress.clear(identity.id)
        return await self.get(identity)

    async def update(self, identity: TelegramIdentity, field: str, text: str) -> UserProfile:
        """Set one field from what the user typed; ValidationFailed says what is accepted.

        The question ends in the same transaction, so a saved answer is never asked again.
        """
        validator = PROFILE_VALIDATORS.get(field)
        if validator is None:
            raise NotFound()
        value = validator(text)
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.users.upsert_identity(identity, now)
            await uow.users.update_profile(identity.id, now, **{field: value})
            await uow.persistence.delete(PROGRESS_KIND, str(identity.id))
            profile = await uow.users.get(identity.id)
        assert profile is not None  # upserted in this transaction
        return profile
