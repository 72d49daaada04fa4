"""Job-level concurrency groups: a job whose group another job of the project holds (running or
on its way to a runner) waits, oldest first; with cancel-in-progress it asks the holders and the
older waiters to stop instead, and runs once they have."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.executions.models import Execution, Job, Step
from conveyor.executions.state import needs_context
from conveyor.pipelines.models import Pipeline
from conveyor.pipelines.spec.expressions import Context, ExpressionError, interpolate
from conveyor.status import Status


async def take_groups(
    session: AsyncSession,
    execution: Execution,
    ready: Sequence[Job],
    jobs: Sequence[Job],
    conveyor: dict[str, Any],
    now: datetime,
) -> tuple[list[Job], set[str]]:
    """Of the ready jobs, those whose concurrency group is free go; the others wait with the
    reason. Returns the jobs that go and the other executions whose jobs were asked to stop."""
    by_key = {job.key: job for job in jobs}
    going: list[Job] = []
    stopped: set[str] = set()
    for job in ready:
        if job.plan.concurrency_group is None:
            going.append(job)
            continue
        try:
            group = _group(execution, job, [by_key[k] for k in job.needs if k in by_key], conveyor)
        except ExpressionError as exc:
            await _fail(session, job, f"concurrency.group cannot be evaluated: {exc}", now)
            continue
        job.concurrency_group = group
        await _lock_group(session, execution.project_id, group)
        others = await _others(session, execution.project_id, group, job)
        if job.plan.cancel_in_progress:
            stopped |= _supersede(others, group, execution.id)
        blocking = [other for other, _ in others if _holds(other) or _waited_longer(other, job)]
        if blocking:
            holder = next((o for o, _ in others if _holds(o)), None)
            run = next((name for other, name in others if other is holder), "")
            by = f": job {holder.key!r} of {run} holds it" if holder is not None else ""
            job.dispatched_at, job.waiting_since = None, job.waiting_since or now
            job.wait_reason = f"waiting for concurrency group {group!r}{by}"
            continue
        job.wait_reason = job.waiting_since = None
        going.append(job)
    return going, stopped - {execution.id}


def _group(execution: Execution, job: Job, needs: Sequence[Job], conveyor: dict[str, Any]) -> str:
    context = Context(
        matrix=job.plan.matrix, conveyor=conveyor, inputs=execution.inputs or {}, needs=needs_context(needs)
    )
    return interpolate(job.plan.concurrency_group or "", context)[:255] or job.key


async def _fail(session: AsyncSession, job: Job, error: str, now: datetime) -> None:
    job.status, job.error, job.finished_at, job.dispatched_at = Status.FAILED, error, now, None
    await session.execute(update(Step).where(Step.job_id == job.id).values(status=Status.SKIPPED.value))


async def _lock_group(session: AsyncSession, project_id: str, group: str) -> None:
    """One transaction at a time decides about a group (PostgreSQL; SQLite writes one at a time)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{project_id}\0{group}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    await session.execute(select(func.pg_advisory_xact_lock(key)))


async def _others(session: AsyncSession, project_id: str, group: str, job: Job) -> list[tuple[Job, str]]:
    """The project's other jobs of the group that hold it or wait for it, with their run's name
    (``deploy #3``)."""
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
    rows = (await session.execute(statement)).tuples()
    return [(other, f"{pipeline} #{number}") for other, pipeline, number in rows]


def _holds(job: Job) -> bool:
    return job.status == Status.RUNNING or (job.status == Status.QUEUED and job.dispatched_at is not None)


def _waited_longer(other: Job, job: Job) -> bool:
    if other.waiting_since is None or other.cancel_requested:
        return False
    return job.waiting_since is None or (other.waiting_since, other.id) < (job.waiting_since, job.id)


def _supersede(others: Sequence[tuple[Job, str]], group: str, execution_id: str) -> set[str]:
    """cancel-in-progress: the group's other jobs are asked to stop (running ones through their
    runner's heartbeat, queued ones by their execution's next advance)."""
    executions: set[str] = set()
    for other, _ in others:
        if other.cancel_requested:
            continue
        other.cancel_requested = True
        if other.status == Status.QUEUED:
            other.error = f"cancelled: a newer job took concurrency group {group!r}"
        executions.add(other.execution_id)
    return executions


async def next_waiters(session: AsyncSession, execution: Execution, jobs: Sequence[Job]) -> list[str]:
    """The executions whose job waits longest for a group this execution's ended jobs held, when
    nothing holds it now: they go next."""
    groups = {job.concurrency_group for job in jobs if job.concurrency_group and Status(job.status).done}
    woken: list[str] = []
    for group in sorted(g for g in groups if g is not None):
        others = await _others(session, execution.project_id, group, jobs[0])
        if any(_holds(other) for other, _ in others):
            continue
        waiters = [o for o, _ in others if o.waiting_since is not None and not o.cancel_requested]
        oldest = min(waiters, key=lambda o: (o.waiting_since, o.id), default=None)
        if oldest is not None and oldest.execution_id != execution.id:
            woken.append(oldest.execution_id)
    return woken
