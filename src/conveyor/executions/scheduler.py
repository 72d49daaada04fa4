"""Cron triggers: each pipeline keeps its next due time; a loop on every node starts what is due.

Claiming a due run is a conditional update of ``next_run_at``, so with several nodes each
scheduled run starts once. A repository pipeline runs its file as the default branch has it now.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import select, update

from conveyor.aio import Periodic
from conveyor.db import Database, utcnow
from conveyor.errors import ConveyorError
from conveyor.events.bus import EventBus
from conveyor.executions.commits import start_pipeline
from conveyor.executions.executor import Executor
from conveyor.executions.service import Trigger, resolve_commit
from conveyor.pipelines.models import Pipeline, PipelineSource
from conveyor.pipelines.repository import RepositoryMirrors
from conveyor.pipelines.spec.formats import parse_pipeline
from conveyor.pipelines.spec.schedule import next_run

log = structlog.get_logger(__name__)


class Scheduler:
    def __init__(
        self, *, db: Database, bus: EventBus, executor: Executor, mirrors: RepositoryMirrors, interval: float
    ) -> None:
        self.db = db
        self.mirrors = mirrors
        self.bus = bus
        self.executor = executor
        self.loop = Periodic("conveyor-scheduler", self.tick, interval=interval)

    def start(self) -> None:
        self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()

    async def tick(self, now: datetime | None = None) -> list[str]:
        """Start every scheduled run due at ``now``; return the new execution ids."""
        now = now or utcnow()
        async with self.db.session() as session:
            due = select(Pipeline.id).where(Pipeline.next_run_at <= now)
            pipeline_ids = list((await session.execute(due)).scalars())
        started = []
        for pipeline_id in pipeline_ids:
            try:
                execution_id = await self._start_due(pipeline_id, now)
            except ConveyorError as exc:
                log.warning("scheduled run not started", pipeline=pipeline_id, reason=exc.detail)
                continue
            if execution_id is not None:
                started.append(execution_id)
        return started

    async def _start_due(self, pipeline_id: str, now: datetime) -> str | None:
        # the commit is looked up before the write transaction: a slow repository holds no lock
        async with self.db.session() as session:
            pipeline = await session.get(Pipeline, pipeline_id)
            api = pipeline is not None and pipeline.source == PipelineSource.API
            # (a repository pipeline's commit comes with its file, from the repository's mirror)
            commit = await resolve_commit(session, pipeline.project_id, None) if pipeline and api else None
        async with self.db.write_session() as session:
            pipeline = await session.get(Pipeline, pipeline_id)
            if pipeline is None or pipeline.next_run_at is None or pipeline.next_run_at > now:
                return None
            claimed = await session.execute(
                update(Pipeline)
                .where(Pipeline.id == pipeline_id, Pipeline.next_run_at == pipeline.next_run_at)
                .values(next_run_at=next_run(parse_pipeline(pipeline.path, pipeline.definition), now))
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                await session.rollback()
                return None
            await session.commit()  # claimed even if the run cannot start (a repository that is gone)
            execution = await start_pipeline(
                session=session,
                bus=self.bus,
                executor=self.executor,
                mirrors=self.mirrors,
                pipeline=pipeline,
                actor_id=None,
                trigger=Trigger.SCHEDULE,
                commit_sha=commit.sha if commit else None,
                commit_message=commit.message if commit else None,
                commit_author=commit.author if commit else None,
            )
            return execution.id
