"""aiosqlite with one thread hand-off per statement instead of four.

aiosqlite runs each sqlite3 call on a worker thread of its own; SQLAlchemy's adapter makes
four such calls for every statement (create the cursor, execute, fetch all rows, close). A
hand-off is a queue put, a wake-up of the worker, a wake-up of the event loop through its
self-pipe and two GIL transfers: measured at about 0.1 ms of CPU each, so a primary-key
SELECT cost ~0.5 ms, and the bot runs ~20 statements an update (bench.throughput). Here the
four calls are one function run on the worker thread, which returns the rows, the description,
the row count and the last row id together.

Only the plain (buffered) cursor changes; server-side cursors, commit, rollback and close are
aiosqlite's and SQLAlchemy's own. `create_engine` passes `aiosqlite_module()` as the engine's
DBAPI `module`, so the dialect, its pool and its SQL are SQLAlchemy's stock aiosqlite ones.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, list[Any], int, int | None]


def _run_statement(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> _Outcome:
    """On the worker thread: execute, fetch everything, close; return what the cursor knew."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _Finished:
    """What `_run_statement` returned, in the shape SQLAlchemy reads off a DBAPI cursor."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose every statement is a single call on aiosqlite's thread."""

    __slots__ = ()

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _Finished()  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()

    def _run(self, operation: Any, parameters: Any, many: bool) -> Any:
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            description, rows, rowcount, lastrowid = await_(
                driver._execute(  # type: ignore[no-untyped-call]  # aiosqlite's own queue
                    _run_statement, driver._conn, operation, parameters, many
                )
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        finished: _Finished = self._cursor  # type: ignore[assignment]
        finished.description, finished.rowcount, finished.lastrowid = (
            description,
            rowcount,
            lastrowid,
        )
        self._rows = collections.deque(rows)
        return None

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        return self._run(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        return self._run(operation, seq_of_parameters, many=True)

    async def _async_soft_close(self) -> None:
        """Nothing to close on the worker thread: the sqlite3 cursor closed after its call."""

    def close(self) -> None:
        self._rows.clear()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    # mypy reads the base's attribute as exactly its cursor class; a subclass is what it takes.
    _cursor_cls = OneHopCursor  # type: ignore[assignment]


class OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI shim, handing out `OneHopConnection`s."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        plain = super().connect(*arg, **kw)
        return OneHopConnection(self, plain._connection)


def aiosqlite_module() -> OneHopDbapi:
    return OneHopDbapi(aiosqlite, sqlite3)
