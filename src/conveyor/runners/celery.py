"""Distributed runner: the server queues jobs on Celery (Redis broker); ``conveyor worker`` runs them.

Workers share nothing with the server but PostgreSQL and Redis: they write job state through
the same update path (``executions.updates``) and publish events through the Redis bus. A job
with `runs-on` labels travels on the queue of its label set, which only workers having all of
those labels listen on (``labels.worker_queues``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Sequence

import redis
import socketio
from celery import Celery
from redis.asyncio import Redis

from conveyor.config import Settings
from conveyor.db import Database
from conveyor.events.bus import EventBus
from conveyor.executions.routing import job_labels
from conveyor.projects.secrets import SecretCipher
from conveyor.runners.execute import execute_job, runner_id
from conveyor.runners.guardian import GUARDIAN
from conveyor.runners.job import RunnerEnv
from conveyor.runners.labels import queue_for, worker_queues

RUN_JOB = "conveyor.run_job"


def create_celery(settings: Settings) -> Celery:
    if not settings.redis_url or settings.is_sqlite:
        raise RuntimeError("the Celery executor needs Redis (CONVEYOR_REDIS_URL) and PostgreSQL")
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


def worker_app(settings: Settings, labels: frozenset[str], identity: str) -> Celery:
    """The Celery app of ``conveyor worker``, with the job task registered."""
    app = create_celery(settings)

    @app.task(name=RUN_JOB, ignore_result=True)  # type: ignore[untyped-decorator]
    def run_job(job_id: str) -> None:
        asyncio.run(_run_job(settings, app, identity, labels, job_id))

    return app


async def _run_job(
    settings: Settings, app: Celery, identity: str, labels: frozenset[str], job_id: str
) -> None:
    db = Database(settings.resolved_database_url)
    manager = socketio.AsyncRedisManager(settings.redis_url, channel=settings.redis_channel, write_only=True)
    env = RunnerEnv(
        db=db,
        bus=EventBus(manager),
        settings=settings,
        cipher=SecretCipher(settings.resolved_secrets_key),
        runner_id=identity,
        labels=labels,
    )
    try:
        await execute_job(env, job_id, dispatch=CeleryExecutor(app, settings, db).dispatch)
    finally:
        await db.dispose()
        if manager.redis is not None:
            with contextlib.suppress(Exception):
                await manager.redis.aclose()


def run_worker(
    settings: Settings, *, concurrency: int, queue: str | None, name: str | None, labels: frozenset[str]
) -> None:
    identity = runner_id("celery")
    app = worker_app(settings, labels, identity)
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
