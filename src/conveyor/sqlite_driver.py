"""SQLAlchemy's aiosqlite adapter with one trip to the connection's thread per statement.

aiosqlite runs every call of a connection on its own thread; SQLAlchemy's adapter makes up to
four such calls per statement (open a cursor, execute, fetch the rows, close the cursor), each a
hand-off to that thread and a wake-up of the event loop. Here a statement is opened, executed,
fetched and closed by one function on that thread. Results are the same: SQLite answers the
statement completely before the event loop sees it, as it did through the separate calls.

The transaction's end costs no trip of its own where it can go with work already on the
thread: a statement executed with the execution option ``COMMIT_AFTER`` commits in its own
trip (the caller then commits the session with no statement in between), and ``commit`` or
``rollback`` with no transaction open in SQLite (that one, or only reads since) do nothing, as
sqlite3 itself would, without the trip.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

from conveyor.db import COMMIT_AFTER


@dataclass(slots=True)
class _Outcome:
    """What SQLAlchemy reads of a DB-API cursor after a statement ran (the cursor is closed)."""

    description: Any
    rowcount: int
    lastrowid: int | None
    rows: list[Any] = field(default_factory=list)
    arraysize: int = 1

    def close(self) -> None:
        """Nothing left open: the sqlite3 cursor was closed on the connection's thread."""


def _statement(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool, commit: bool
) -> _Outcome:
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        if commit:
            connection.commit()
        return _Outcome(cursor.description, cursor.rowcount, cursor.lastrowid, rows)
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement runs in one call on aiosqlite's thread."""

    __slots__ = ()
    _awaitable_cursor_close = False  # nothing to close on the thread afterwards

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _Outcome(None, -1, None)  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = deque()

    def execute_and_commit(self, operation: Any, parameters: Any) -> None:
        try:
            await_(self._run(operation, parameters, many=False, commit=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: Any, parameters: Any, *, many: bool, commit: bool = False) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            outcome: _Outcome = await connection._execute(  # type: ignore[no-untyped-call]
                _statement, connection._conn, operation, parameters, many, commit
            )
        self._cursor = outcome  # type: ignore[assignment]
        self._rows = deque(outcome.rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def _in_transaction(self) -> bool:
        # Read on the event loop's thread: the connection runs nothing else meanwhile (its
        # caller awaits each statement), and sqlite3 reads a flag of SQLite's, no statement.
        connection: sqlite3.Connection | None = self._connection._connection
        return connection is not None and connection.in_transaction


def commit_in_trip(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
    """The engine's ``do_execute`` hook: runs a ``COMMIT_AFTER`` statement and its commit."""
    if isinstance(cursor, OneTripCursor) and context.execution_options.get(COMMIT_AFTER):
        cursor.execute_and_commit(statement, parameters)
        return True
    return None


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """Pass as ``module=`` to ``create_async_engine`` for a ``sqlite+aiosqlite`` URL."""

    def connect(self, *args: Any, **kwargs: Any) -> OneTripConnection:
        adapted = super().connect(*args, **kwargs)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDbapi:
    return OneTripDbapi(aiosqlite, sqlite3)
