"""A user's progress through a guided conversation, kept in the database.

Only progress lives here (which flow, which step, what was typed so far); gigs, orders and money
are written by their services. Because it is in the database and written at every step, a
conversation survives a restart and continues on any replica that gets the next message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.services.ports import UnitOfWorkFactory

PROGRESS_KIND = "progress"


@dataclass
class Progress:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"flow": self.flow, "step": self.step, "data": self.data}

    @classmethod
    def from_json(cls, raw: Any) -> Progress | None:
        if not isinstance(raw, dict) or "flow" not in raw or "step" not in raw:
            return None
        data = raw.get("data")
        return cls(str(raw["flow"]), str(raw["step"]), data if isinstance(data, dict) else {})


class ProgressStore:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def get(self, user_id: int) -> Progress | None:
        async with self._uow(read_only=True) as uow:
            stored = await uow.persistence.get(PROGRESS_KIND, str(user_id))
        return Progress.from_json(stored)

    async def save(self, user_id: int, progress: Progress) -> None:
        async with self._uow() as uow:
            await uow.persistence.save(
                PROGRESS_KIND, str(user_id), progress.to_json(), self._clock.now()
            )

    async def clear(self, user_id: int) -> None:
        async with self._uow() as uow:
            await uow.persistence.delete(PROGRESS_KIND, str(user_id))
