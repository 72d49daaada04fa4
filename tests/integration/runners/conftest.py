from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conveyor.config import Settings
from tests.conftest import JWT_SECRET, _truncate, sandbox_of
from tests.support.backends import REDIS_URL, redis_ready
from tests.support.pipelines import PipelineApi
from tests.support.server import ADMIN_PASSWORD, RunningServer, run_server

CONVEYOR = str(Path(sys.executable).with_name("conveyor"))


@pytest.fixture
def celery_settings(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str) -> Settings:
    """A server on PostgreSQL that queues jobs on Celery, on a channel and queue of its own."""
    redis_ready()
    asyncio.run(_truncate(postgres_url))
    suffix = uuid.uuid4().hex[:8]
    return Settings(
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
        job_lease_seconds=3,
        reaper_interval_seconds=0.5,
        sandbox=sandbox_of(request),
    )


@pytest.fixture
async def celery_server(celery_settings: Settings) -> AsyncIterator[RunningServer]:
    async with run_server(celery_settings) as running:
        yield running


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
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONVEYOR_")}
    env.update(
        CONVEYOR_DATABASE_URL=str(settings.database_url),
        CONVEYOR_REDIS_URL=str(settings.redis_url),
        CONVEYOR_REDIS_CHANNEL=settings.redis_channel,
        CONVEYOR_CELERY_QUEUE=settings.celery_queue,
        CONVEYOR_SECRETS_KEY=str(settings.secrets_key),
        CONVEYOR_DATA_DIR=str(data_dir),
        CONVEYOR_CACHE_DIR=str(settings.resolved_cache_dir),  # one cache for the server and its workers
        CONVEYOR_JOB_HEARTBEAT_SECONDS=str(settings.job_heartbeat_seconds),
        CONVEYOR_JOB_LEASE_SECONDS=str(settings.job_lease_seconds),
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
