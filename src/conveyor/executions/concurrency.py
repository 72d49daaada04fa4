"""Job-level concurrency groups: a job whose group another job of the project holds (running or
on its way to a runner) waits, oldest first; with cancel-in-progress it asks the holders and the
older waiters to stop instead, and runs once they have."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from conveyor.executions.derived import needs_context
from conveyor.executions.store import ExecutionState, JobState, StateTx
from conveyor.pipelines.spec.expressions import Context, ExpressionError, interpolate
from conveyor.status import Status


async def take_groups(
    tx: StateTx,
    execution: ExecutionState,
    ready: Sequence[JobState],
    jobs: Sequence[JobState],
    conveyor: dict[str, Any],
    now: datetime,
) -> tuple[list[JobState], set[str]]:
    """Of the ready jobs, those whose concurrency group is free go; the others wait with the
    reason. Returns the jobs that go and the other executions whose jobs were asked to stop."""
    by_key = {job.key: job for job in jobs}
    going: list[JobState] = []
    stopped: set[str] = set()
    for job in ready:
        if job.plan.concurrency_group is None:
            going.append(job)
            continue
        try:
            group = _group(execution, job, [by_key[k] for k in job.needs if k in by_key], conveyor)
        except ExpressionError as exc:
            await _fail(tx, job, f"concurrency.group cannot be evaluated: {exc}", now)
            continue
        job.concurrency_group = group
        await tx.lock_group(execution.project_id, group)
        others = await tx.group_jobs(execution.project_id, group, job)
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


def _group(
    execution: ExecutionState, job: JobState, needs: Sequence[JobState], conveyor: dict[str, Any]
) -> str:
    context = Context(
        matrix=job.plan.matrix, conveyor=conveyor, inputs=execution.inputs or {}, needs=needs_context(needs)
    )
    return interpolate(job.plan.concurrency_group or "", context)[:255] or job.key


async def _fail(tx: StateTx, job: JobState, error: str, now: datetime) -> None:
    job.status, job.error, job.finished_at, job.dispatched_at = Status.FAILED, error, now, None
    await tx.skip_steps([job.id])


def _holds(job: JobState) -> bool:
    return job.status == Status.RUNNING or (job.status == Status.QUEUED and job.dispatched_at is not None)


def _waited_longer(other: JobState, job: JobState) -> bool:
    if other.waiting_since is None or other.cancel_requested:
        return False
    return job.waiting_since is None or (other.waiting_since, other.id) < (job.waiting_since, job.id)


def _supersede(others: Sequence[tuple[JobState, str]], group: str, execution_id: str) -> set[str]:
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


async def next_waiters(tx: StateTx, execution: ExecutionState, jobs: Sequence[JobState]) -> list[str]:
    """The executions whose job waits longest for a group this execution's ended jobs held, when
    nothing holds it now: they go next."""
    groups = {job.concurrency_group for job in jobs if job.concurrency_group and Status(job.status).done}
    woken: list[str] = []
    for group in sorted(g for g in groups if g is not None):
        others = await tx.group_jobs(execution.project_id, group, jobs[0])
        if any(_holds(other) for other, _ in others):
            continue
        waiters = [o for o, _ in others if o.waiting_since is not None and not o.cancel_requested]
        oldest = min(waiters, key=lambda o: (o.waiting_since, o.id), default=None)
        if oldest is not None and oldest.execution_id != execution.id:
            woken.append(oldest.execution_id)
    return woken
