"""Pruning polling mode's inbox: a finished update is kept a day (for a look after an incident),
then deleted. Unfinished ones are never pruned; the next start handles them."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.services.ports import UnitOfWorkFactory

KEEP_FINISHED = timedelta(days=1)
PRUNE_BATCH = 5_000


class InboxPruner:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def prune(self) -> int:
        async with self._uow() as uow:
            return await uow.inbox.prune_finished(self._clock.now() - KEEP_FINISHED, PRUNE_BATCH)
