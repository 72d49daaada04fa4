"""Distributed runner: the server queues jobs on Celery (Redis broker); ``conveyor worker`` runs them.

Workers share nothing with the server but PostgreSQL and Redis: they write job state through
the same update path (``executions.updates``) and publish events through the Redis bus.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import socketio
from celery import Celery

from conveyor.config import Settings
from conveyor.db import Database
from conveyor.events.bus import EventBus
from conveyor.projects.secrets import SecretCipher
from conveyor.runners.execute import execute_job, runner_id
from conveyor.runners.guardian import GUARDIAN
from conveyor.runners.job import RunnerEnv

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

    def __init__(self, app: Celery, settings: Settings) -> None:
        self.app = app
        self.queue = settings.celery_queue

    async def dispatch(self, job_ids: Sequence[str]) -> None:
        for job_id in job_ids:
            await asyncio.to_thread(self.app.send_task, RUN_JOB, args=[job_id], queue=self.queue)

    async def cancel(self, job_ids: Sequence[str]) -> None:
        return None


def worker_app(settings: Settings) -> Celery:
    """The Celery app of ``conveyor worker``, with the job task registered."""
    app = create_celery(settings)
    identity = runner_id("celery")

    @app.task(name=RUN_JOB, ignore_result=True)  # type: ignore[untyped-decorator]
    def run_job(job_id: str) -> None:
        asyncio.run(_run_job(settings, app, identity, job_id))

    return app


async def _run_job(settings: Settings, app: Celery, identity: str, job_id: str) -> None:
    db = Database(settings.resolved_database_url)
    manager = socketio.AsyncRedisManager(settings.redis_url, channel=settings.redis_channel, write_only=True)
    env = RunnerEnv(
        db=db,
        bus=EventBus(manager),
        settings=settings,
        cipher=SecretCipher(settings.resolved_secrets_key),
        runner_id=identity,
    )
    try:
        await execute_job(env, job_id, dispatch=CeleryExecutor(app, settings).dispatch)
    finally:
        await db.dispose()
        if manager.redis is not None:
            with contextlib.suppress(Exception):
                await manager.redis.aclose()


def run_worker(settings: Settings, *, concurrency: int, queue: str | None, name: str | None) -> None:
    app = worker_app(settings)
    GUARDIAN.start()
    app.worker_main(
        [
            "worker",
            "--pool=threads",
            f"--concurrency={concurrency}",
            f"--queues={queue or settings.celery_queue}",
            f"--hostname={name or 'conveyor@%h'}",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ]
    )
