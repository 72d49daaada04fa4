"""The pipeline machinery of one server node: executor, scheduler, reaper, and start-up recovery."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog

from conveyor.config import Settings
from conveyor.db import Database
from conveyor.events.bus import EventBus
from conveyor.executions.scheduler import Scheduler
from conveyor.pipelines.repository import RepositoryMirrors
from conveyor.projects.secrets import SecretCipher
from conveyor.runners.celery import CeleryExecutor, create_celery
from conveyor.runners.execute import runner_id
from conveyor.runners.guardian import GUARDIAN
from conveyor.runners.labels import runner_labels
from conveyor.runners.local import LocalExecutor
from conveyor.runners.node import RunnerEnv
from conveyor.runners.recovery import Reaper, recover_local
from conveyor.runners.sandbox import UNCONFINED_WARNING
from conveyor.system.schemas import Health
from conveyor.system.status import Check, loop_health

CELERY_PING_SECONDS = 2.0
log = structlog.get_logger(__name__)


@dataclass
class PipelineRuntime:
    env: RunnerEnv
    executor: LocalExecutor | CeleryExecutor
    scheduler: Scheduler
    reaper: Reaper

    @classmethod
    def build(cls, settings: Settings, db: Database, bus: EventBus, cipher: SecretCipher) -> PipelineRuntime:
        env = RunnerEnv(
            db=db,
            bus=bus,
            settings=settings,
            cipher=cipher,
            runner_id=runner_id("local"),
            labels=runner_labels(settings.runner_labels, local=True),
        )
        executor: LocalExecutor | CeleryExecutor
        if settings.executor == "celery":
            if settings.is_sqlite:
                raise RuntimeError("the Celery executor needs PostgreSQL (CONVEYOR_DATABASE_URL)")
            executor = CeleryExecutor(create_celery(settings), settings, db)
        else:
            executor = LocalExecutor(env, env.store, max_parallel=settings.max_parallel_jobs)
        scheduler = Scheduler(
            db=db,
            bus=bus,
            executor=executor,
            mirrors=RepositoryMirrors.of(settings),
            interval=settings.scheduler_interval_seconds,
        )
        remote = isinstance(executor, CeleryExecutor)
        reaper = Reaper(env, executor.dispatch, redispatch_stale=remote, runners=executor.runner_labels)
        return cls(env, executor, scheduler, reaper)

    async def start(self) -> None:
        if isinstance(self.executor, LocalExecutor):
            if self.env.sandbox.name == "none":
                log.warning(UNCONFINED_WARNING)
            GUARDIAN.start()
            await recover_local(self.env, self.executor.dispatch)
        self.scheduler.start()
        self.reaper.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.reaper.stop()
        if isinstance(self.executor, LocalExecutor):
            await self.executor.stop()

    async def runners_health(self) -> Check:
        """Local: the slots in use. Celery: the workers that answer a ping."""
        if isinstance(self.executor, LocalExecutor):
            used, total = self.executor.busy_slots, self.executor.max_parallel
            return Check(Health.OK, f"local runner: {used} of {total} slots in use")
        app = self.executor.app
        replies = await asyncio.to_thread(app.control.ping, timeout=CELERY_PING_SECONDS)
        workers = sorted(name for reply in replies for name in reply)
        if not workers:
            return Check(Health.DOWN, "no Celery worker answered")
        return Check(Health.OK, f"{len(workers)} Celery worker(s): {', '.join(workers)}"[:300])

    async def scheduler_health(self) -> Check:
        return loop_health(self.scheduler.loop, what="scheduler")
