"""SQLite statements go to aiosqlite's thread once each and read back what sqlite3 would give."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from conveyor.db import COMMIT_AFTER, Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/driver.db")
    async with database.write_session() as session:
        await session.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
        await session.commit()
    yield database
    await database.dispose()


def trips(caplog: pytest.LogCaptureFixture) -> int:
    """Calls run on aiosqlite's connection thread (it logs each one it executes)."""
    return sum(record.getMessage().startswith("executing") for record in caplog.records)


async def test_a_statement_with_its_rows_is_one_trip_to_the_connection_thread(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with db.write_session() as session:
        await session.execute(text("SELECT 1"))  # the transaction and connection are set up
        caplog.set_level(logging.DEBUG, logger="aiosqlite")
        returned = await session.execute(text("INSERT INTO item (name) VALUES ('a'), ('b') RETURNING id"))
        assert trips(caplog) == 1
        assert returned.scalars().all() == [1, 2]
        await session.commit()
    assert trips(caplog) == 2  # + COMMIT (no rollback when the connection returns to the pool)


async def test_a_session_closed_in_a_transaction_leaves_nothing_behind(db: Database) -> None:
    async with db.write_session() as session:
        await session.execute(text("INSERT INTO item (name) VALUES ('never committed')"))
    async with db.write_session() as session:  # the same pooled connection, no transaction open
        await session.execute(text("INSERT INTO item (name) VALUES ('kept')"))
        await session.commit()
    async with db.session() as session:
        names: list[str] = list((await session.execute(text("SELECT name FROM item"))).scalars())
    assert names == ["kept"]


async def test_rowcount_lastrowid_and_many_rows_are_those_of_sqlite(db: Database) -> None:
    async with db.write_session() as session:
        inserted = await session.execute(text("INSERT INTO item (name) VALUES ('x')"))
        assert inserted.lastrowid == 1  # type: ignore[attr-defined]
        many = [{"name": f"n{i}"} for i in range(5)]
        await session.execute(text("INSERT INTO item (name) VALUES (:name)"), many)
        updated = await session.execute(text("UPDATE item SET name = name || '!' WHERE id > 2"))
        assert updated.rowcount == 4  # type: ignore[attr-defined]
        await session.commit()
    async with db.session() as session:
        names: list[str] = list((await session.execute(text("SELECT name FROM item ORDER BY id"))).scalars())
    assert names == ["x", "n0", "n1!", "n2!", "n3!", "n4!"]


async def test_errors_are_sqlalchemy_errors_and_the_connection_goes_on(db: Database) -> None:
    async with db.write_session() as session:
        await session.execute(text("INSERT INTO item (name) VALUES ('same')"))
        with pytest.raises(IntegrityError):
            await session.execute(text("INSERT INTO item (name) VALUES ('same')"))
        await session.rollback()
        with pytest.raises(OperationalError, match="no such table"):
            await session.execute(text("SELECT * FROM missing"))
        await session.rollback()
        assert (await session.execute(text("SELECT count(*) FROM item"))).scalar_one() == 0


async def test_a_statement_that_commits_after_it_ends_the_transaction_in_its_own_trip(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with db.write_session() as session:
        await session.execute(text("INSERT INTO item (name) VALUES ('first')"))
        caplog.set_level(logging.DEBUG, logger="aiosqlite")
        last = text("INSERT INTO item (name) VALUES ('last') RETURNING id")
        returned = await session.execute(last, execution_options={COMMIT_AFTER: True})
        assert returned.scalar_one() == 2
        await session.commit()
        assert trips(caplog) == 1  # the commit went with the insert
    async with db.session() as session:
        names = list((await session.execute(text("SELECT name FROM item ORDER BY id"))).scalars())
    assert names == ["first", "last"]


async def test_a_statement_that_fails_commits_nothing(db: Database) -> None:
    async with db.write_session() as session:
        await session.execute(text("INSERT INTO item (name) VALUES ('same')"))
        with pytest.raises(IntegrityError):
            duplicate = text("INSERT INTO item (name) VALUES ('same')")
            await session.execute(duplicate, execution_options={COMMIT_AFTER: True})
    async with db.session() as session:
        assert (await session.execute(text("SELECT count(*) FROM item"))).scalar_one() == 0


async def test_a_session_that_only_read_ends_without_a_trip(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with db.session() as session:
        await session.execute(text("SELECT 1"))
        caplog.set_level(logging.DEBUG, logger="aiosqlite")
        assert (await session.execute(text("SELECT count(*) FROM item"))).scalar_one() == 0
    assert trips(caplog) == 1  # no rollback: SQLite had no transaction open
