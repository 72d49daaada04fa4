"""Reading an execution whole, locking it for a change, and the events that announce changes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.errors import NotFound
from conveyor.events.catalog import EventType, ExecutionData
from conveyor.events.schemas import Emission, emission
from conveyor.executions.models import Execution, Job, Step
from conveyor.executions.schemas import ExecutionRead, JobRead, StepRead, TestSummary
from conveyor.executions.store import ExecutionState, JobState, StateTx
from conveyor.status import Status


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
    return ExecutionRead.model_validate(execution).model_copy(update={"jobs": jobs, "tests": _total(jobs)})


def _total(jobs: Sequence[JobRead]) -> TestSummary | None:
    reported = [job.tests for job in jobs if job.tests is not None]
    if not reported:
        return None
    return TestSummary(
        passed=sum(t.passed for t in reported),
        failed=sum(t.failed for t in reported),
        skipped=sum(t.skipped for t in reported),
    )


async def execution_event(
    session: AsyncSession, event_type: EventType, execution: ExecutionState
) -> Emission:
    return snapshot_event(event_type, await read_execution(session, execution))


def snapshot_event(event_type: EventType, snapshot: ExecutionRead) -> Emission:
    data = ExecutionData(executionId=snapshot.id, pipelineId=snapshot.pipeline_id, execution=snapshot)
    return emission(event_type, data, project_id=snapshot.project_id)


def with_step_values(
    snapshot: ExecutionRead, job_id: str, index: int, values: dict[str, object]
) -> ExecutionRead:
    """The snapshot after one step's columns changed, without reading the database again."""
    jobs = [
        job.model_copy(
            update={
                "steps": [
                    StepRead.model_validate({**step.model_dump(), **values}) if step.index == index else step
                    for step in job.steps
                ]
            }
        )
        if job.id == job_id
        else job
        for job in snapshot.jobs
    ]
    return snapshot.model_copy(update={"jobs": jobs})


def outcome(execution: ExecutionState, jobs: Sequence[JobState]) -> tuple[Status, str | None]:
    """The status an execution ends with once all its jobs are done, and why it did not succeed."""
    if execution.cancel_requested:
        return Status.CANCELLED, "cancelled"
    for wanted in (Status.FAILED, Status.TIMED_OUT, Status.CANCELLED):
        culprit = next((job for job in jobs if job.status == wanted), None)
        if culprit is not None:
            return wanted, f"job {culprit.key!r}: {culprit.error or wanted.value}"
    return Status.SUCCESS, None


# `needs.<job>.result`, worst first: a matrix job's combinations give the worst of theirs
_RESULTS = {Status.FAILED: "failure", Status.TIMED_OUT: "failure", Status.CANCELLED: "cancelled"}
_RESULT_ORDER = ("failure", "cancelled", "skipped", "success")


def needs_context(needed: Sequence[JobState]) -> dict[str, dict[str, Any]]:
    """The `needs` context of a job: each needed job's result and outputs, by its id in the
    definition (the outputs of a matrix job's combinations merged in order)."""
    context: dict[str, dict[str, Any]] = {}
    for job in needed:
        entry = context.setdefault(job.plan.definition_id, {"result": "success", "outputs": {}})
        entry["outputs"].update(job.outputs or {})
        result = "skipped" if job.status == Status.SKIPPED else _RESULTS.get(Status(job.status), "success")
        entry["result"] = min(entry["result"], result, key=_RESULT_ORDER.index)
    return context


async def conveyor_context(tx: StateTx, execution: ExecutionState) -> dict[str, Any]:
    """The `conveyor` context of an execution (a runner adds `job` and `workspace`)."""
    actor = await tx.username(execution.actor_id) if execution.actor_id else None
    return {
        "sha": execution.commit_sha or "",
        "ref": execution.ref or "",
        "event": execution.trigger,
        "run_number": float(execution.number),
        "run_id": execution.id,
        "actor": actor or "",
        "base_ref": execution.base_ref or "",
        "head_ref": execution.head_ref or "",
        "pull_request": _pull_request(execution),
    }


def _pull_request(execution: ExecutionState) -> dict[str, Any] | None:
    if execution.pull_request is None:
        return None
    return {
        "number": float(execution.pull_request),
        "title": execution.pull_request_title or "",
        "base_ref": execution.base_ref or "",
        "head_ref": execution.head_ref or "",
        "fork": execution.from_fork,
    }
