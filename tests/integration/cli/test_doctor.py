"""``conveyor doctor`` on real deployments: what it finds, in sentences, and its exit code."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine

from conveyor.db import alembic_config
from tests.support.backends import REDIS_URL
from tests.support.server import RunningServer

CONVEYOR = str(Path(sys.executable).with_name("conveyor"))
SECRET = "x" * 40


async def doctor(data_dir: Path, *args: str, **settings: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVEYOR_")}
    env.update(CONVEYOR_DATA_DIR=str(data_dir), COLUMNS="300")
    env.update({f"CONVEYOR_{key.upper()}": value for key, value in settings.items()})
    process = await asyncio.create_subprocess_exec(
        CONVEYOR, "doctor", *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode is not None
    return process.returncode, out.decode()


def migrate(data_dir: Path, revision: str = "head") -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{data_dir}/conveyor.db")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
    engine.dispose()


async def test_a_healthy_single_machine_passes(tmp_path: Path) -> None:
    migrate(tmp_path)
    code, out = await doctor(tmp_path)
    assert code == 0, out
    assert (
        f"The database sqlite+aiosqlite:///{tmp_path}/conveyor.db answers and is at the latest migration"
        in out
    )
    assert f"CONVEYOR_JWT_SECRET is not set: the one in {tmp_path}/jwt_secret is used." in out
    assert "0 problem(s), 0 warning(s)." in out


async def test_a_missing_or_old_database_is_named_with_the_fix(tmp_path: Path) -> None:
    code, out = await doctor(tmp_path / "nowhere")
    assert code == 1 and f"There is no database at {tmp_path}/nowhere/conveyor.db" in out
    assert not (tmp_path / "nowhere" / "conveyor.db").exists(), "the doctor creates nothing"
    migrate(tmp_path / "old", "0004")
    code, out = await doctor(tmp_path / "old")
    assert (
        code == 1 and "is at migration 0004 but this version needs" in out and "`conveyor db upgrade`" in out
    )


async def test_several_processes_need_shared_secrets_postgres_and_a_reachable_redis(tmp_path: Path) -> None:
    migrate(tmp_path)
    code, out = await doctor(tmp_path, redis_url="redis://127.0.0.1:1/0", executor="celery")
    assert code == 1
    assert "PROBLEM  CONVEYOR_JWT_SECRET is not set: each process would use its own jwt_secret file" in out
    assert "PROBLEM  CONVEYOR_SECRETS_KEY is not set" in out
    assert "WARNING  Redis is set (several API processes) but the database is SQLite" in out
    assert "PROBLEM  Redis at redis://127.0.0.1:1/0 cannot be reached: " in out
    assert "The workers cannot be asked while Redis cannot be reached." in out


@pytest.mark.postgres
@pytest.mark.redis
async def test_postgres_and_redis_without_workers(tmp_path: Path, postgres_url: str) -> None:
    settings = {"database_url": postgres_url, "redis_url": REDIS_URL, "executor": "celery"}
    code, out = await doctor(tmp_path, jwt_secret=SECRET, secrets_key=SECRET, **settings)
    assert "answers and is at the latest migration" in out, out
    assert f"ok       Redis at {REDIS_URL} answers." in out
    assert code == 1 and "No Celery worker answered" in out and "start `conveyor worker`" in out
    unreachable = postgres_url.replace("127.0.0.1:5432", "127.0.0.1:1")
    code, out = await doctor(tmp_path, jwt_secret=SECRET, secrets_key=SECRET, database_url=unreachable)
    assert code == 1 and "cannot be reached: " in out


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_it_asks_the_server_when_given_its_url(tmp_path: Path, server: RunningServer) -> None:
    migrate(tmp_path)
    code, out = await doctor(tmp_path, "--url", server.base_url)
    assert code == 0 and f"The server at {server.base_url} is ready." in out
    code, out = await doctor(tmp_path, "--url", "http://127.0.0.1:9")
    assert code == 1 and "PROBLEM  No server answers at http://127.0.0.1:9: " in out
