from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conveyor.auth.security import digest
from conveyor.config import Settings
from conveyor.db import Database
from conveyor.workers.models import WorkerToken
from conveyor.workers.service import WORKER_TOKEN_PREFIX
from tests.conftest import JWT_SECRET, _truncate, sandbox_of
from tests.support.backends import REDIS_URL, redis_ready
from tests.support.pipelines import PipelineApi
from tests.support.server import ADMIN_PASSWORD, RunningServer, run_server

CONVEYOR = str(Path(sys.executable).with_name("conveyor"))


@pytest.fixture
def celery_settings(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str) -> Settings:
    """A server on PostgreSQL that queues jobs on Celery, on a channel and queue of its own, on
    a port chosen now (its workers are told the URL), with a worker token for its workers."""
    redis_ready()
    asyncio.run(_truncate(postgres_url))
    suffix = uuid.uuid4().hex[:8]
    token = asyncio.run(add_worker_token(postgres_url, "test workers"))
    return Settings(
        port=free_port(),
        worker_token=token,
        environment="test",
        data_dir=tmp_path / "data",
        database_url=postgres_url,
        redis_url=REDIS_URL,
        redis_channel=f"conveyor-test-{suffix}",
        celery_queue=f"conveyor-test-{suffix}",
        executor="celery",
        admin_password=ADMIN_PASSWORD,
        jwt_secret=JWT_SECRET,
        secrets_key="secrets-key-shared-by-server-and-workers",
        allowed_repo_roots=[tmp_path],
        job_heartbeat_seconds=0.5,
        job_lease_seconds=6,  # heartbeats now go through the server, which shares the test's loop
        reaper_interval_seconds=0.5,
        sandbox=sandbox_of(request),
    )


@pytest.fixture
async def celery_server(celery_settings: Settings) -> AsyncIterator[RunningServer]:
    async with run_server(celery_settings, port=celery_settings.port) as running:
        yield running


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def add_worker_token(database_url: str, name: str) -> str:
    """A worker token straight in the database (as `conveyor worker-tokens create` makes one)."""
    plaintext = WORKER_TOKEN_PREFIX + secrets.token_urlsafe(32)
    db = Database(database_url)
    try:
        async with db.write_session() as session:
            session.add(WorkerToken(name=name, prefix=plaintext[:8], token_hash=digest(plaintext)))
            await session.commit()
    finally:
        await db.dispose()
    return plaintext


@pytest.fixture
async def celery_api(celery_server: RunningServer) -> PipelineApi:
    return PipelineApi(celery_server, await celery_server.admin_token())


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    output: Path

    def kill(self) -> None:
        """SIGKILL the worker process alone, as if its machine died (its jobs die with it)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def worker_env(settings: Settings, data_dir: Path) -> dict[str, str]:
    """A worker's whole configuration: no database URL, no secrets key."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONVEYOR_")}
    env.update(
        CONVEYOR_SERVER_URL=f"http://127.0.0.1:{settings.port}",
        CONVEYOR_WORKER_TOKEN=str(settings.worker_token),
        CONVEYOR_REDIS_URL=str(settings.redis_url),
        CONVEYOR_CELERY_QUEUE=settings.celery_queue,
        CONVEYOR_DATA_DIR=str(data_dir),
        CONVEYOR_CACHE_DIR=str(settings.resolved_cache_dir),  # one cache for the server and its workers
        CONVEYOR_JOB_HEARTBEAT_SECONDS=str(settings.job_heartbeat_seconds),
        CONVEYOR_SANDBOX=settings.sandbox,
        CONVEYOR_ALLOWED_REPO_ROOTS=":".join(str(root) for root in settings.allowed_repo_roots),
    )
    return env


@pytest.fixture
def workers(celery_settings: Settings, tmp_path: Path) -> Iterator[Callable[[str, int], Worker]]:
    """``start(name, concurrency, labels=None)`` launches a real ``conveyor worker`` (with
    ``--labels`` when given); all are stopped at the end."""
    started: list[Worker] = []

    def start(name: str, concurrency: int = 1, labels: str | None = None) -> Worker:
        output = tmp_path / f"{name}.log"
        options = ["--labels", labels] if labels is not None else []
        process = subprocess.Popen(
            [CONVEYOR, "worker", "--concurrency", str(concurrency), "--name", f"{name}@%h", *options],
            env=worker_env(celery_settings, tmp_path / name),
            stdout=output.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = Worker(name, process, output)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


async def ready(*workers: Worker, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not all(b" ready." in w.output.read_bytes() for w in workers):
        for worker in workers:
            if worker.process.poll() is not None:
                raise AssertionError(f"worker {worker.name} exited: {worker.output.read_text()}")
        if time.monotonic() > deadline:
            raise AssertionError("workers did not become ready")
        await asyncio.sleep(0.1)
