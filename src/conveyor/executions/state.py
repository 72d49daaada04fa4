"""Reading an execution whole, locking it for a change, and the events that announce changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.errors import NotFound
from conveyor.events.catalog import EventType
from conveyor.events.schemas import Emission
from conveyor.executions.derived import snapshot_event, total_tests
from conveyor.executions.models import Execution, Job, Step
from conveyor.executions.schemas import ExecutionRead, JobRead, StepRead
from conveyor.executions.store import ExecutionState


async def lock_execution(session: AsyncSession, execution_id: str) -> Execution:
    """The execution, row-locked on PostgreSQL so changes to one execution happen one at a time.

    Every state change takes this lock first, so the snapshot each event carries includes every
    change committed before it.
    """
    statement = select(Execution).where(Execution.id == execution_id).with_for_update()
    execution = (
        await session.execute(statement.execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if execution is None:
        raise NotFound(f"execution {execution_id} not found")
    return execution


async def jobs_of(session: AsyncSession, execution_id: str) -> list[Job]:
    statement = select(Job).where(Job.execution_id == execution_id).order_by(Job.position)
    return list((await session.execute(statement.execution_options(populate_existing=True))).scalars())


_JOB_COLUMNS = [Job.id, Job.key, Job.name, Job.status, Job.needs, Job.attempt, Job.runner, Job.exit_code]
_JOB_COLUMNS += [
    Job.error,
    Job.wait_reason,
    Job.log_lines,
    Job.outputs,
    Job.caches,
    Job.tests,
    Job.environment,
    Job.approval,
    Job.started_at,
    Job.finished_at,
]
_STEP_COLUMNS = [Step.job_id, Step.position, Step.name, Step.status, Step.exit_code, Step.error]
_STEP_COLUMNS += [Step.started_at, Step.finished_at]


async def read_execution(session: AsyncSession, execution: ExecutionState) -> ExecutionRead:
    """The execution with its jobs and steps, as clients see it (plain rows: this runs for every event)."""
    jobs_query = select(*_JOB_COLUMNS).where(Job.execution_id == execution.id).order_by(Job.position)
    steps_query = (
        select(*_STEP_COLUMNS)
        .join(Job, Job.id == Step.job_id)
        .where(Job.execution_id == execution.id)
        .order_by(Step.job_id, Step.position)
    )
    steps: dict[str, list[StepRead]] = {}
    for row in await session.execute(steps_query):
        steps.setdefault(row.job_id, []).append(StepRead.model_validate(row))
    jobs = [
        JobRead.model_validate(row).model_copy(update={"steps": steps.get(row.id, [])})
        for row in await session.execute(jobs_query)
    ]
    return ExecutionRead.model_validate(execution).model_copy(
        update={"jobs": jobs, "tests": total_tests(jobs)}
    )


async def execution_event(
    session: AsyncSession, event_type: EventType, execution: ExecutionState
) -> Emission:
    return snapshot_event(event_type, await read_execution(session, execution))
