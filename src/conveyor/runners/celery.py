"""Distributed runner: the server queues jobs on Celery (Redis broker); ``conveyor worker`` runs them.

A message carries a job's id and nothing else. The worker claims the job through the server's
worker API with its worker token (``runners/remote.py``), gets the job's plan and secrets from
the answer and reports through the same API: it holds no database URL and no secrets key, so a
step that escaped its sandbox would find no credential for the database there. A job with
`runs-on` labels travels on the queue of its label set, which only workers having all of those
labels listen on (``labels.worker_queues``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Sequence

import redis
from celery import Celery
from redis.asyncio import Redis

from conveyor.config import Settings
from conveyor.db import Database
from conveyor.executions.routing import job_labels
from conveyor.runners.execute import runner_id
from conveyor.runners.guardian import GUARDIAN
from conveyor.runners.job import JobRun, Result, Runner
from conveyor.runners.labels import queue_for, worker_queues
from conveyor.runners.remote import ApiLink, client

RUN_JOB = "conveyor.run_job"


def create_celery(settings: Settings) -> Celery:
    if not settings.redis_url:
        raise RuntimeError("Celery needs Redis (CONVEYOR_REDIS_URL), its broker")
    app = Celery("conveyor", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        task_default_queue=settings.celery_queue,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return app


class CeleryExecutor:
    """Dispatch = one Celery message per job. Cancellation reaches workers through their heartbeat."""

    def __init__(self, app: Celery, settings: Settings, db: Database) -> None:
        self.app = app
        self.queue = settings.celery_queue
        self.redis_url = settings.redis_url
        self.db = db

    async def dispatch(self, job_ids: Sequence[str]) -> None:
        if not job_ids:
            return
        labels = await job_labels(self.db, job_ids)
        for job_id in job_ids:
            queue = queue_for(self.queue, labels.get(job_id, []))
            await asyncio.to_thread(self.app.send_task, RUN_JOB, args=[job_id], queue=queue)

    async def cancel(self, job_ids: Sequence[str]) -> None:
        return None

    async def runner_labels(self) -> list[frozenset[str]]:
        """The labels of each live worker, as they announce them in Redis."""
        client: Redis = Redis.from_url(str(self.redis_url))
        try:
            keys = [
                key async for key in client.scan_iter(match=f"{_presence_prefix(self.queue)}*", count=500)
            ]
            values = await client.mget(keys) if keys else []
        finally:
            await client.aclose()
        return [frozenset(json.loads(value)) for value in values if value is not None]


def _presence_prefix(queue: str) -> str:
    return f"{queue}:runners:"


class Presence:
    """A worker's labels kept in Redis while it lives (a key that expires with its lease), so
    the servers can tell a job no worker can take."""

    def __init__(self, settings: Settings, identity: str, labels: frozenset[str], queue: str) -> None:
        self.client = redis.Redis.from_url(str(settings.redis_url))
        self.key = f"{_presence_prefix(queue)}{identity}"
        self.value = json.dumps(sorted(labels))
        self.interval, self.ttl_ms = settings.job_heartbeat_seconds, int(settings.job_lease_seconds * 1000)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="conveyor-presence", daemon=True)

    def start(self) -> None:
        self.client.set(self.key, self.value, px=self.ttl_ms)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stopped.wait(self.interval):
            with contextlib.suppress(redis.RedisError):
                self.client.set(self.key, self.value, px=self.ttl_ms)

    def stop(self) -> None:
        self.stopped.set()
        with contextlib.suppress(redis.RedisError):
            self.client.delete(self.key)


def worker_app(settings: Settings, runner: Runner) -> Celery:
    """The Celery app of ``conveyor worker``, with the job task registered."""
    app = create_celery(settings)

    @app.task(name=RUN_JOB, ignore_result=True)  # type: ignore[untyped-decorator]
    def run_job(job_id: str) -> None:
        asyncio.run(run_remote_job(settings, runner, job_id))

    return app


async def run_remote_job(settings: Settings, runner: Runner, job_id: str) -> Result | None:
    """Claim the job from the server and run it; None when it was no longer waiting for it."""
    assert settings.server_url and settings.worker_token, "checked when the worker starts"
    async with client(settings.server_url, settings.worker_token) as http:
        link = ApiLink(http, runner.runner_id, runner.labels)
        claimed = await link.claim(job_id)
        if claimed is None:
            return None
        claim, secrets = claimed
        return await JobRun(runner, link, claim, secrets).run()


def run_worker(
    settings: Settings, *, concurrency: int, queue: str | None, name: str | None, labels: frozenset[str]
) -> None:
    identity = runner_id("celery")
    app = worker_app(settings, Runner(settings=settings, runner_id=identity, labels=labels))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per report and heartbeat
    base = queue or settings.celery_queue
    GUARDIAN.start()
    presence = Presence(settings, identity, labels, base)
    presence.start()
    try:
        app.worker_main(
            [
                "worker",
                "--pool=threads",
                f"--concurrency={concurrency}",
                f"--queues={','.join(worker_queues(base, labels))}",
                f"--hostname={name or 'conveyor@%h'}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
            ]
        )
    finally:
        presence.stop()
