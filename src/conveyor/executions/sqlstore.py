"""The engine's state in the server's database: ``StateTx`` over a session and the event bus
(the records are the ORM rows; ``commit`` appends the events to the log with the change), and
``SqlStore``, the server's ``StateStore``."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.models import User
from conveyor.auth.roles import Role
from conveyor.db import Database
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventPriority
from conveyor.events.schemas import Emission
from conveyor.executions import updates
from conveyor.executions.claims import ArtifactFile, Claim, Heartbeat, Line, StoredArtifact, TestCase
from conveyor.executions.models import Execution, Job, LogLine, Step
from conveyor.executions.schemas import ExecutionRead
from conveyor.executions.state import jobs_of, lock_execution, read_execution
from conveyor.executions.store import ExecutionState, JobState
from conveyor.notifications import service as notifications
from conveyor.pipelines.builtins import InProcess
from conveyor.pipelines.models import Pipeline
from conveyor.projects.access import members_with_role
from conveyor.projects.models import Project
from conveyor.projects.secrets import SecretCipher
from conveyor.status import TERMINAL, Status


class SqlTx:
    """A ``StateTx`` on a session: the caller's transaction, committed with its events by the bus."""

    def __init__(self, session: AsyncSession, bus: EventBus) -> None:
        self.session, self.bus = session, bus

    async def lock_execution(self, execution_id: str) -> Execution:
        return await lock_execution(self.session, execution_id)

    async def jobs_of(self, execution_id: str) -> list[Job]:
        return await jobs_of(self.session, execution_id)

    async def username(self, user_id: str) -> str | None:
        user = await self.session.get(User, user_id)
        return user.username if user else None

    async def skip_steps(self, job_ids: Sequence[str]) -> None:
        statement = update(Step).where(Step.job_id.in_(job_ids)).values(status=Status.SKIPPED.value)
        await self.session.execute(statement)

    async def locked_job(self, job_id: str) -> tuple[Execution, Job] | None:
        job = await self.session.get(Job, job_id)
        if job is None:
            return None
        execution = await lock_execution(self.session, job.execution_id)
        await self.session.refresh(job)
        return execution, job

    async def held_job(self, job_id: str, runner: str) -> Job | None:
        statement = select(Job).where(
            Job.id == job_id, Job.status == Status.RUNNING.value, Job.runner == runner
        )
        return (
            await self.session.execute(statement.execution_options(populate_existing=True))
        ).scalar_one_or_none()

    async def update_steps(
        self,
        job_id: str,
        values: Mapping[str, object],
        *,
        position: int | None = None,
        having: Status | None = None,
    ) -> None:
        statement = update(Step).where(Step.job_id == job_id)
        if position is not None:
            statement = statement.where(Step.position == position)
        if having is not None:
            statement = statement.where(Step.status == having.value)
        await self.session.execute(statement.values(**values))

    async def append_lines(self, job: JobState, lines: Sequence[Line]) -> None:
        rows = [
            {"job_id": job.id, "n": x.n, "step": x.step, "ts": x.ts, "text": x.text, "origin": x.origin}
            for x in lines
        ]
        await self.session.execute(insert(LogLine), rows)
        job.log_lines = lines[-1].n + 1

    async def project(self, project_id: str) -> Project | None:
        return await self.session.get(Project, project_id)

    async def next_number(self, pipeline_id: str) -> int:
        await self.session.execute(select(Pipeline.id).where(Pipeline.id == pipeline_id).with_for_update())
        statement = select(func.coalesce(func.max(Execution.number), 0)).where(
            Execution.pipeline_id == pipeline_id
        )
        return int((await self.session.execute(statement)).scalar_one()) + 1

    def new_execution(self, columns: Mapping[str, Any]) -> Execution:
        return Execution(**columns)

    async def add_run(
        self,
        execution: ExecutionState,
        jobs: Sequence[Mapping[str, Any]],
        steps: Sequence[Mapping[str, Any]],
    ) -> None:
        self.session.add(execution)
        self.session.add_all([Job(**columns) for columns in jobs])
        await self.session.flush()
        self.session.add_all([Step(**columns) for columns in steps])
        await self.session.flush()

    async def in_group(self, execution: ExecutionState) -> list[ExecutionState]:
        return list((await self.session.execute(_group_query(execution))).scalars())

    async def extend_lease(self, job_id: str, runner: str, *, until: datetime, pgid: int | None) -> Heartbeat:
        result = await self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == Status.RUNNING.value, Job.runner == runner)
            .values(lease_expires_at=until, pgid=pgid)
            .returning(Job.cancel_requested)
        )
        row = result.first()
        return Heartbeat(held=row is not None, cancel=bool(row and row[0]))

    async def read_execution(self, execution: ExecutionState) -> ExecutionRead:
        return await read_execution(self.session, execution)

    async def commit(self, *emissions: Emission) -> None:
        await self.bus.commit(self.session, *emissions)

    async def older_in_group(self, execution: ExecutionState) -> bool:
        older = _group_query(execution).where(Execution.created_at < execution.created_at)
        return (await self.session.execute(older.limit(1))).first() is not None

    async def next_in_group(self, execution: ExecutionState) -> str | None:
        statement = _group_query(execution).order_by(Execution.created_at).limit(1)
        waiting = (await self.session.execute(statement)).scalar_one_or_none()
        return waiting.id if waiting is not None else None

    async def notify_maintainers(
        self, execution: ExecutionState, *, kind: str, title: str, body: str, priority: EventPriority
    ) -> list[Emission]:
        maintainers = await members_with_role(self.session, execution.project_id, Role.MAINTAINER)
        return [
            notifications.notify(
                self.session,
                user_id=user_id,
                kind=kind,
                title=title,
                body=body,
                priority=priority,
                project_id=execution.project_id,
            )
            for user_id in await notifications.receivers(self.session, maintainers, kind)
        ]

    async def pipeline_name(self, pipeline_id: str) -> str | None:
        pipeline = await self.session.get(Pipeline, pipeline_id)
        return pipeline.name if pipeline else None

    async def lock_group(self, project_id: str, group: str) -> None:
        if self.session.get_bind().dialect.name != "postgresql":
            return  # SQLite writes one transaction at a time anyway
        digest = hashlib.sha256(f"{project_id}\0{group}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        await self.session.execute(select(func.pg_advisory_xact_lock(key)))

    async def group_jobs(self, project_id: str, group: str, job: JobState) -> list[tuple[JobState, str]]:
        queued = Job.status == Status.QUEUED.value
        statement = (
            select(Job, Pipeline.name, Execution.number)
            .join(Execution, Execution.id == Job.execution_id)
            .join(Pipeline, Pipeline.id == Execution.pipeline_id)
            .where(
                Execution.project_id == project_id,
                Job.concurrency_group == group,
                Job.id != job.id,
                or_(
                    Job.status == Status.RUNNING.value,
                    and_(queued, Job.dispatched_at.is_not(None)),
                    and_(queued, Job.waiting_since.is_not(None)),
                ),
            )
        )
        rows = (await self.session.execute(statement)).tuples()
        return [(other, f"{pipeline} #{number}") for other, pipeline, number in rows]


def _group_query(execution: ExecutionState) -> Select[Execution]:
    return select(Execution).where(
        Execution.project_id == execution.project_id,
        Execution.concurrency_group == execution.concurrency_group,
        Execution.status.not_in(sorted(TERMINAL)),
        Execution.id != execution.id,
    )


class SqlStore:
    """The server's ``StateStore``: its database and event bus."""

    def __init__(self, db: Database, bus: EventBus) -> None:
        self.db, self.bus = db, bus

    @asynccontextmanager
    async def write(self) -> AsyncIterator[SqlTx]:
        async with self.db.write_session() as session:
            yield SqlTx(session, self.bus)


class SqlRunnerStore(SqlStore):
    """The ``RunnerStore`` of a server node's runner, which holds the secrets key too."""

    def __init__(self, db: Database, bus: EventBus, cipher: SecretCipher) -> None:
        super().__init__(db, bus)
        self.cipher = cipher

    async def job_secrets(self, claim: Claim) -> dict[str, str]:
        return await updates.job_secrets(self.db, self.cipher, claim)

    async def record_commit(self, execution_id: str, sha: str) -> None:
        await updates.record_commit(self.db, execution_id, sha)

    async def store_artifacts(self, claim: Claim, files: Sequence[ArtifactFile]) -> None:
        await updates.store_artifacts(self.db, claim, files)

    async def artifacts_of(self, job_id: str) -> list[StoredArtifact]:
        return await updates.artifacts_of(self.db, job_id)

    def artifact_content(self, artifact_id: str) -> AsyncIterator[bytes]:
        return updates.artifact_content(self.db, artifact_id)

    async def store_test_results(self, claim: Claim, cases: Sequence[TestCase]) -> dict[str, int]:
        return await updates.store_test_results(self.db, claim, cases)

    def in_process(self) -> InProcess:
        return InProcess(self.db, self.bus)
