from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Literal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from conveyor.config import Settings
from conveyor.db import Database
from conveyor.models import metadata
from tests.support.backends import create_postgres_database, drop_postgres_database, unavailable
from tests.support.pipelines import PipelineApi
from tests.support.server import ADMIN_PASSWORD, RunningServer, run_server

JWT_SECRET = "jwt-secret-for-tests-0123456789abcdef"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        url = asyncio.run(create_postgres_database())
    except Exception as exc:
        unavailable("PostgreSQL", exc)
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(drop_postgres_database(url))


async def _migrate(url: str) -> None:
    db = Database(url)
    await db.migrate()
    await db.dispose()


async def _truncate(url: str) -> None:
    engine = create_async_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every database test runs on SQLite and on PostgreSQL (a clean slate each time)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/conveyor.db"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_truncate(url))
    return url


def sandbox_of(request: pytest.FixtureRequest) -> Literal["bwrap", "none"]:
    """Steps run sandboxed unless the test is marked ``unconfined``."""
    return "none" if request.node.get_closest_marker("unconfined") else "bwrap"


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=database_url,
        redis_url=None,
        admin_password=ADMIN_PASSWORD,
        jwt_secret=JWT_SECRET,
        allowed_origins=[],
        allowed_repo_roots=[tmp_path],  # the tests' git repositories
        webhook_allowed_hosts=["127.0.0.1"],  # the tests' local webhook receivers
        sandbox=sandbox_of(request),
    )


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[RunningServer]:
    async with run_server(settings) as running:
        yield running


@pytest.fixture
def server_with(settings: Settings) -> Callable[..., AbstractAsyncContextManager[RunningServer]]:
    """A server whose settings differ from the default ones: ``async with server_with(x=1)``."""

    def start(**overrides: object) -> AbstractAsyncContextManager[RunningServer]:
        return run_server(settings.model_copy(update=overrides))

    return start


@pytest.fixture
async def api(server: RunningServer) -> PipelineApi:
    return PipelineApi(server, await server.admin_token())
