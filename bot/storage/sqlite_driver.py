"""aiosqlite with as few thread hand-offs as a transaction can have.

aiosqlite runs each sqlite3 call on a worker thread of its own. A hand-off costs a queue put,
a wake-up of the worker, a wake-up of the event loop through its self-pipe and two GIL
transfers: about 70 us of CPU bare and ~165 us through SQLAlchemy on these machines, against
~20 us for SQLite to run a primary-key statement. SQLAlchemy's stock adapter makes four for
every statement (create the cursor, execute, fetch all rows, close) and a unit of work of one
statement took eight (BEGIN, the statement, COMMIT, the pool's reset-on-return ROLLBACK).

Here, measured in bench.throughput, a unit of work of one statement takes two:
- a statement is one function on the worker thread that executes, fetches every row and
  closes, returning rows, description, row count and last row id together;
- BEGIN is not sent on its own: it runs in the same hand-off as the transaction's first
  statement (a COMMIT or ROLLBACK with no statement in between sends nothing);
- a COMMIT or ROLLBACK when SQLite is in no transaction (the pool's reset after a COMMIT)
  sends nothing.

Only the plain (buffered) cursor changes; server-side cursors and closing are aiosqlite's and
SQLAlchemy's own. `create_engine` passes `aiosqlite_module()` as the engine's DBAPI `module`,
so the dialect, its pool and its SQL are SQLAlchemy's stock aiosqlite ones.
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

_BEGINS = frozenset({"BEGIN", "BEGIN IMMEDIATE", "BEGIN DEFERRED", "BEGIN EXCLUSIVE"})
_Outcome = tuple[Any, list[Any], int, int | None]


def _run_statement(
    connection: sqlite3.Connection,
    begin: str | None,
    operation: str,
    parameters: Any,
    many: bool,
) -> _Outcome:
    """On the worker thread: (begin,) execute, fetch everything, close; return what the
    cursor knew."""
    cursor = connection.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
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
    _adapt_connection: OneHopConnection

    def __init__(self, adapt_connection: OneHopConnection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _Finished()  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()

    def _run(self, operation: Any, parameters: Any, many: bool) -> None:
        adapted = self._adapt_connection
        if not many and not parameters and operation.strip().upper() in _BEGINS:
            adapted._pending_begin = operation  # sent with the transaction's first statement
            return
        begin, adapted._pending_begin = adapted._pending_begin, None
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            description, rows, rowcount, lastrowid = await_(
                driver._execute(  # type: ignore[no-untyped-call]  # aiosqlite's own queue
                    _run_statement, driver._conn, begin, operation, parameters, many
                )
            )
        except Exception as error:
            adapted._handle_exception(error)
        finished: _Finished = self._cursor  # type: ignore[assignment]
        finished.description = description
        finished.rowcount, finished.lastrowid = rowcount, lastrowid
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._run(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._run(operation, seq_of_parameters, many=True)

    async def _async_soft_close(self) -> None:
        """Nothing to close on the worker thread: the sqlite3 cursor closed after its call."""

    def close(self) -> None:
        self._rows.clear()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_pending_begin",)
    # mypy reads the base's attribute as exactly its cursor class; a subclass is what it takes.
    _cursor_cls = OneHopCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._pending_begin: str | None = None

    def _in_transaction(self) -> bool:
        """Whether SQLite has a transaction open on this connection.

        Read from the event loop's thread: sqlite3 reads one flag of the connection
        (sqlite3_get_autocommit) without a thread check, and nothing runs on the worker thread
        meanwhile, since SQLAlchemy awaits each call on a connection before the next.
        """
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            return driver._conn.in_transaction
        except (ValueError, sqlite3.ProgrammingError):  # closed: let aiosqlite say so
            return True

    def commit(self) -> None:
        if self._pending_begin is not None:  # BEGIN and COMMIT with nothing between
            self._pending_begin = None
        elif self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        self._pending_begin = None
        if self._in_transaction():
            super().rollback()


class OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI shim, handing out `OneHopConnection`s."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        plain = super().connect(*arg, **kw)
        return OneHopConnection(self, plain._connection)


def aiosqlite_module() -> OneHopDbapi:
    return OneHopDbapi(aiosqlite, sqlite3)
