"""An update interrupted by a crash is handled again after the restart, never lost."""

from __future__ import annotations

from sqlalchemy import update

from bot.storage.db import create_engine
from bot.storage.tables import processed_updates
from tests.harness import Harness


async def test_an_update_cut_short_by_a_crash_is_handled_after_the_restart(
    harness: Harness,
) -> None:
    alice = harness.user("alice", first_name="Alice")
    await alice.send("/start")
    await alice.expect("Hi Alice!")
    update_id = harness.sim.updates_sent[-1]["update_id"]
    await harness.bot.stop()
    # What a crash in the middle of handling leaves behind: a fresh claim that never finished.
    engine = create_engine(harness.bot.settings.database_url)
    async with engine.begin() as connection:
        await connection.execute(
            update(processed_updates)
            .where(processed_updates.c.update_id == update_id)
            .values(finished_at=None, processed_at=harness.clock.now())
        )
    await engine.dispose()

    await harness.bot.start()
    await harness.sim.redeliver(update_id)  # Telegram sends it again after the restart
    await alice.expect("Hi Alice!")
