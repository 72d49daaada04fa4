"""Database engine, sessions and migrations (SQLite by default, PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import JSON, DateTime, MetaData, event, text, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from conveyor.basics import new_id as new_id
from conveyor.basics import utcnow as utcnow
from conveyor.errors import NotFound

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# An execution option: commit the transaction right after this statement. On SQLite in the
# statement's trip to the connection's thread (sqlite_driver); other databases ignore it.
COMMIT_AFTER = "conveyor_commit_after"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use conveyor.db.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


SchemaT = TypeVar("SchemaT", bound=BaseModel)


class PydanticJSON(TypeDecorator[SchemaT]):
    """A JSON column read and written as a pydantic model (stored as its JSON dump)."""

    impl = JSON
    cache_ok = True

    def __init__(self, schema: type[SchemaT]) -> None:
        super().__init__()
        self.schema = schema

    def process_bind_param(self, value: SchemaT | None, dialect: Any) -> dict[str, Any] | None:
        return None if value is None else value.model_dump(mode="json")

    def process_result_value(self, value: dict[str, Any] | None, dialect: Any) -> SchemaT | None:
        return None if value is None else self.schema.model_validate(value)


ModelT = TypeVar("ModelT", bound=Base)


async def get_or_404(session: AsyncSession, model: type[ModelT], key: Any, label: str) -> ModelT:
    """The row with this primary key, or NotFound naming it (``label`` e.g. "pipeline")."""
    row = await session.get(model, key)
    if row is None:
        raise NotFound(f"{label} {key} not found")
    return row


class Database:
    """Owns the engine and hands out sessions.

    SQLite allows one writer at a time; writes in this process are serialised by an asyncio
    lock so concurrent requests queue instead of failing with "database is locked".
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.engine: AsyncEngine = _create_engine(url, echo=echo)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads, or for writes that the caller commits itself."""
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def write_session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction holds this process's write slot on SQLite."""
        if self._write_lock is None:
            async with self.session() as session:
                yield session
            return
        # The sessionmaker itself, not ``self.session()``: one context manager less per write.
        async with self._write_lock, self.sessionmaker() as session:
            yield session

    async def migrate(self, *, secrets_key: str | None = None) -> None:
        """Upgrade to the latest revision; ``secrets_key`` encrypts what a migration moves to
        ciphertext (default: the configured key, ``Settings().resolved_secrets_key``)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade_to_head, secrets_key)

    async def dispose(self) -> None:
        await self.engine.dispose()


def _create_engine(url: str, *, echo: bool) -> AsyncEngine:
    if url.startswith("sqlite"):
        from conveyor import sqlite_driver  # aiosqlite only where the database is SQLite

        parsed = make_url(url)
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        one_trip = {"module": sqlite_driver.dbapi()} if parsed.get_driver_name() == "aiosqlite" else {}
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30},
            # A connection's transaction is always ended by its Connection (a commit, or the
            # rollback of closing one still open): no second rollback, a thread trip, on return.
            pool_reset_on_return=None,
            **one_trip,
        )
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        if one_trip:
            event.listen(engine.sync_engine, "do_execute", sqlite_driver.commit_in_trip)
        event.listen(engine.sync_engine, "checkin", _restore_foreign_keys)
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)


async def take_due(db: Database, model: Any, row_id: str, due_at: datetime | None, until: datetime) -> bool:
    """Move a due row's ``next_attempt_at`` to ``until`` unless another node already has: True
    when this one takes it (for one attempt; outbound deliveries that several nodes read)."""
    async with db.write_session() as session:
        taken = await session.execute(
            update(model)
            .where(model.id == row_id, model.next_attempt_at == due_at)
            .values(next_attempt_at=until)
        )
        await session.commit()
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def _restore_foreign_keys(dbapi_connection: Any, record: Any) -> None:
    """After a migration (migrations/env.py), once its transaction has ended."""
    if dbapi_connection is not None and record.info.pop(FOREIGN_KEYS_OFF, False):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(connection: Connection | None = None, *, secrets_key: str | None = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig  # imported when migrating only

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    config.attributes["secrets_key"] = secrets_key
    return config


# Any fixed 64-bit number: serialises migrations of nodes that start at the same time.
MIGRATION_LOCK_KEY = 0x6D6967726174696F
FOREIGN_KEYS_OFF = (
    "conveyor.foreign_keys_off"  # a connection whose SQLite foreign keys a migration turned off
)


def _upgrade_to_head(connection: Connection, secrets_key: str | None) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    from alembic import command

    command.upgrade(alembic_config(connection, secrets_key=secrets_key), "head")
