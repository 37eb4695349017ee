"""Database faults on demand: a unit-of-work factory that wraps the real one and makes chosen
repository calls (or the transaction's begin/commit) raise once, as a dropped connection or a
locked database would. A fake at the storage boundary: the services and handlers above it run
unchanged, and everything that does not fail reaches the real database.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import defaultdict
from types import TracebackType
from typing import Any, Self, cast

from sqlalchemy.exc import OperationalError

from bot.services.ports import UnitOfWork, UnitOfWorkFactory

BEGIN, COMMIT = ("uow", "begin"), ("uow", "commit")


def database_locked() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


def connection_lost() -> OperationalError:
    return OperationalError("SELECT 1", {}, ConnectionResetError("connection was closed"))


class _Hang(Exception):
    """Not raised: marks a call that never returns (a process frozen there until killed)."""


class FaultPlan:
    """Which calls fail next: (repository, method) -> errors to raise, one per call."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, str], list[BaseException]] = defaultdict(list)
        self.raised: list[tuple[str, str]] = []
        self.hanging = asyncio.Event()  # set when a call reached a `hang`

    def hang(self, repository: str, method: str) -> None:
        """The next call of `repository.method` never returns (kill the bot to get past it)."""
        self._next[(repository, method)].append(_Hang())

    def fail(
        self, repository: str, method: str, error: BaseException | None = None, times: int = 1
    ) -> None:
        """The next `times` calls of `repository.method` raise `error` (a locked database)."""
        for _ in range(times):
            self._next[(repository, method)].append(error or database_locked())

    def take(self, point: tuple[str, str]) -> BaseException | None:
        errors = self._next.get(point)
        if not errors:
            return None
        self.raised.append(point)
        return errors.pop(0)

    def pending(self) -> int:
        return sum(len(errors) for errors in self._next.values())


class _FaultyRepository:
    def __init__(self, inner: Any, name: str, plan: FaultPlan) -> None:
        self._inner = inner
        self._name = name
        self._plan = plan

    def __getattr__(self, method: str) -> Any:
        target = getattr(self._inner, method)
        if not callable(target):
            return target

        async def call(*args: Any, **kwargs: Any) -> Any:
            error = self._plan.take((self._name, method))
            if isinstance(error, _Hang):
                self._plan.hanging.set()
                await asyncio.Event().wait()
            if error is not None:
                raise error
            return await target(*args, **kwargs)

        return call


class FaultyUnitOfWork:
    def __init__(self, inner: UnitOfWork, plan: FaultPlan) -> None:
        self._inner = inner
        self._plan = plan

    async def __aenter__(self) -> Self:
        error = self._plan.take(BEGIN)
        if error is not None:
            raise error
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        error = self._plan.take(COMMIT) if exc_type is None else None
        if error is not None:  # the commit is lost: roll back, then fail as the commit would
            await self._inner.__aexit__(type(error), error, None)
            raise error
        await self._inner.__aexit__(exc_type, exc, tb)

    def __getattr__(self, name: str) -> Any:
        return _FaultyRepository(getattr(self._inner, name), name, self._plan)


class FaultyUnitOfWorkFactory:
    def __init__(self, inner: UnitOfWorkFactory, plan: FaultPlan) -> None:
        self._inner = inner
        self.plan = plan

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        return cast(UnitOfWork, FaultyUnitOfWork(self._inner(read_only=read_only), self.plan))


def faulty(plan: FaultPlan) -> Any:
    """`wrap_uow` for `bootstrap` (or `LocalBot`): every unit of work obeys `plan`."""
    return lambda inner: FaultyUnitOfWorkFactory(inner, plan)
