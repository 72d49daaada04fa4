"""Artifacts go to the database a chunk at a time and stream back out; the migration keeps them."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, text

from conveyor.db import Database, alembic_config
from conveyor.executions.updates import ARTIFACT_CHUNK_BYTES
from tests.support.pipelines import PipelineApi, completed
from tests.support.server import RunningServer

BIG = os.urandom(int(ARTIFACT_CHUNK_BYTES * 2.5))


async def migrate(db: Database, revision: str) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config(connection)
        if revision == "head":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(run)


@pytest.mark.unconfined  # the step shares a file (or a pid) with the test
async def test_large_artifacts_round_trip_in_chunks_and_survive_the_migration(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(BIG)
    project = await api.project("big-artifacts")
    pipeline = await api.pipeline(
        project,
        f"""
        jobs:
          build:
            steps:
              - run: mkdir out && cp {source} out/big.bin && printf '' > out/empty.txt
            artifacts: [out]
        """,
    )
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    assert (await completed(listener, execution_id))["data"]["execution"]["status"] == "success"
    big, empty = await api.request("GET", f"/executions/{execution_id}/artifacts", 200)
    assert (big["path"], big["size"], empty["size"]) == ("out/big.bin", len(BIG), 0)
    assert big["sha256"] == hashlib.sha256(BIG).hexdigest()
    url = f"/executions/{execution_id}/artifacts/{big['id']}"
    download = await api.request("GET", url, 200)
    assert download.content == BIG and download.headers["content-length"] == str(len(BIG))
    assert (
        await api.request("GET", f"/executions/{execution_id}/artifacts/{empty['id']}", 200)
    ).content == b""
    async with server.container.db.session() as session:
        chunks = await session.execute(
            text("SELECT count(*) FROM pipeline_artifact_chunks WHERE artifact_id = :id"), {"id": big["id"]}
        )
        assert chunks.scalar_one() == 3

    await migrate(server.container.db, "0002")
    async with server.container.db.session() as session:
        stored = await session.execute(
            text("SELECT content FROM pipeline_artifacts WHERE id = :id"), {"id": big["id"]}
        )
        assert bytes(stored.scalar_one()) == BIG
    await migrate(server.container.db, "head")

    assert (await api.request("GET", url, 200)).content == BIG


async def test_sqlite_connections_enforce_foreign_keys_again_after_a_migration(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/fresh.db")
    try:
        await db.migrate()  # turns them off while it copies tables (migrations/env.py)
        async with db.engine.connect() as connection:  # the pool's one connection: the migration's
            assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar_one() == 1
    finally:
        await db.dispose()
