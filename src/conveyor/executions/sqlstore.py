"""The engine's state in the server's database: ``StateTx`` over a session and the event bus
(the records are the ORM rows; ``commit`` appends the events to the log with the change)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.models import User
from conveyor.auth.roles import Role
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventPriority
from conveyor.events.schemas import Emission
from conveyor.executions.models import Execution, Job, Step
from conveyor.executions.schemas import ExecutionRead
from conveyor.executions.state import jobs_of, lock_execution, read_execution
from conveyor.executions.store import ExecutionState, JobState
from conveyor.notifications import service as notifications
from conveyor.pipelines.models import Pipeline
from conveyor.projects.access import members_with_role
from conveyor.projects.models import Project
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

    async def protected_environments(self, project_id: str) -> set[str]:
        project = await self.session.get(Project, project_id)
        return set(project.protected_environments or []) if project else set()

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
