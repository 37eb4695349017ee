"""Fault injection on the service paths: count a path's points, then break each in turn.

One database per path (a fresh store of the kind under test), so one path's sweeps never add
statements to another's; every injection starts from a fresh order in that database and the
audit runs over the whole database after the follow-up, reporting only what is new.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.storage.db import create_engine
from tests.chaos.books import BROKEN, Finding, audit
from tests.chaos.faults import DB_FAULTS, PROVIDER_FAULTS, Fault
from tests.chaos.paths import PATHS, ChaosWorld, MoneyPath
from tests.chaos.report import Injection, Tally
from tests.services.money_world import MoneyWorld

log = logging.getLogger(__name__)

StoreFactory = Callable[[str], Awaitable[str]]  # path name -> URL of a fresh store


def faults_at(index: int, source: str, seed: int) -> Sequence[Fault]:
    """Provider points get both provider faults; database points one fault, in rotation."""
    if source == "provider":
        return PROVIDER_FAULTS
    return (DB_FAULTS[(index + seed) % len(DB_FAULTS)],)


async def run_path(
    path: MoneyPath,
    url: str,
    tally: Tally,
    seed: int = 0,
    only: Callable[[int], bool] = lambda _i: True,
) -> None:
    world = await MoneyWorld.open(url)
    books = create_engine(url)  # the audit's own connections (see payments_e2e)
    try:
        chaos = ChaosWorld(world)
        context = await path.setup(chaos)
        chaos.injector.start()
        await path.act(chaos, context)
        points = chaos.injector.stop()
        await path.follow(chaos, context)
        seen: set[str] = set()
        clean = await audit(books, chaos.provider)
        tally.baseline += [
            Finding(f.kind, f.key, f"{path.name}: {f.text}") for f in clean
        ]
        seen.update(f.key for f in clean)
        clean_kinds = {f.kind for f in clean}
        for index, point in enumerate(points):
            if not only(index):
                continue
            for fault in faults_at(index, point.source, seed):
                try:
                    context = await path.setup(chaos)
                except Exception:  # what an earlier fault left behind broke the setup once
                    log.exception("setup of %s failed; trying once more", path.name)
                    context = await path.setup(chaos)
                chaos.injector.start(index, fault)
                error = ""
                try:
                    await path.act(chaos, context)
                except Exception as exc:  # the fault itself, or what it turned into
                    error = f"{type(exc).__name__}: {str(exc)[:80]}"
                chaos.injector.stop()
                fired = chaos.injector.fired
                notes: list[str] = []
                new = await _follow(path, chaos, context, notes)
                new += [f for f in await audit(books, chaos.provider) if f.key not in seen]
                seen.update(f.key for f in new)
                tally.injections.append(
                    Injection(
                        path.name, index, fired.label if fired else point.label,
                        fault.value, fired is not None, error,
                        [f for f in new if f.kind not in clean_kinds],
                        [f for f in new if f.kind in clean_kinds],
                        notes,
                    )
                )  # fmt: skip
    finally:
        await world.engine.dispose()
        await books.dispose()


async def _follow(
    path: MoneyPath, chaos: ChaosWorld, context: object, notes: list[str]
) -> list[Finding]:
    """The follow-up; one that fails is noted and run again, a second failure is a finding."""
    for attempt in (1, 2):
        try:
            await path.follow(chaos, context)
            return []
        except Exception as exc:
            log.warning("follow-up of %s failed (attempt %s): %s", path.name, attempt, exc)
            error = f"{type(exc).__name__}: {' '.join(str(exc).split('[SQL')[0].split())[:120]}"
            notes.append(f"the follow-up after the fault failed once: {error}")
    return [Finding(BROKEN, f"follow:{path.name}:{id(context)}", f"the follow-up failed: {error}")]


async def run_service_faults(
    new_store: StoreFactory,
    tally: Tally,
    seed: int = 0,
    paths: Sequence[MoneyPath] = PATHS,
    only: Callable[[int], bool] = lambda _i: True,
) -> None:
    for path in paths:
        await run_path(path, await new_store(path.name), tally, seed, only)
