"""Moving an execution along its DAG: which jobs are ready, which are skipped, when it ends."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from conveyor.basics import utcnow
from conveyor.events.catalog import EventType
from conveyor.events.schemas import Emission
from conveyor.executions import approvals, concurrency
from conveyor.executions.derived import conveyor_context, needs_context, outcome, snapshot_event
from conveyor.executions.store import ExecutionState, JobState, StateTx
from conveyor.pipelines.spec.expressions import Context, ExpressionError, interpolate, parse_condition
from conveyor.status import FAILED_ON_ITS_OWN, FAILING, TERMINAL, Status


async def advance(tx: StateTx, execution_id: str) -> list[str]:
    """Decide what happens next, commit it with its events, and return the jobs to dispatch.

    Safe to call any number of times from anywhere (API node, worker, reaper): it works under
    the execution's lock and marks each ready job dispatched exactly once.
    """
    execution = await tx.lock_execution(execution_id)
    if execution.status in TERMINAL or await _waits_for_its_group(tx, execution):
        await tx.commit()
        return []
    jobs = await tx.jobs_of(execution_id)
    now = utcnow()
    stopped = _fail_fast(jobs, now)
    conveyor = await conveyor_context(tx, execution)
    skipped, ready = _decide(execution, jobs, now, conveyor)
    if skipped or stopped:
        await tx.skip_steps([job.id for job in [*skipped, *stopped]])
    going, notes = await approvals.hold(tx, execution, ready, now)
    going, superseded = await concurrency.take_groups(tx, execution, going, jobs, conveyor, now)
    events: list[Emission] = []
    finished = all(Status(job.status).done for job in jobs)
    if finished:
        execution.status, execution.error = outcome(execution, jobs)
        execution.finished_at = now
        events.append(
            snapshot_event(EventType.PIPELINE_EXECUTION_COMPLETED, await tx.read_execution(execution))
        )
    elif skipped or stopped or len(going) < len(ready):
        events.append(
            snapshot_event(EventType.PIPELINE_EXECUTION_UPDATED, await tx.read_execution(execution))
        )
    await tx.commit(*events, *notes)
    ready = going
    ready_ids = [job.id for job in ready]
    if finished and execution.concurrency_group is not None:
        ready_ids += await _next_in_group(tx, execution)
    for other in [*sorted(superseded), *await concurrency.next_waiters(tx, execution, jobs)]:
        ready_ids += await advance(tx, other)
    return ready_ids


async def _waits_for_its_group(tx: StateTx, execution: ExecutionState) -> bool:
    """An execution of a concurrency group runs once the group's older ones have ended."""
    return execution.concurrency_group is not None and await tx.older_in_group(execution)


async def _next_in_group(tx: StateTx, execution: ExecutionState) -> list[str]:
    waiting = await tx.next_in_group(execution)
    return await advance(tx, waiting) if waiting is not None else []


def _fail_fast(jobs: Sequence[JobState], now: datetime) -> list[JobState]:
    """Matrix jobs with fail-fast: once a combination failed, the queued ones are cancelled and
    the running ones asked to stop (their runners learn it from their heartbeat)."""
    failed = {job.plan.definition_id: job.key for job in jobs if _fails_fast(job)}
    stopped: list[JobState] = []
    for job in jobs:
        culprit = failed.get(job.plan.definition_id)
        if culprit is None or not job.plan.matrix:
            continue
        if job.status == Status.QUEUED:
            job.status, job.finished_at = Status.CANCELLED, now
            job.error = f"cancelled: {culprit!r} failed and the matrix is fail-fast"
            stopped.append(job)
        elif job.status == Status.RUNNING:
            job.cancel_requested = True
    return stopped


def _fails_fast(job: JobState) -> bool:
    return bool(job.plan.matrix) and job.plan.fail_fast and job.status in FAILED_ON_ITS_OWN


def _decide(
    execution: ExecutionState, jobs: Sequence[JobState], now: datetime, conveyor: dict[str, Any]
) -> tuple[list[JobState], list[JobState]]:
    by_key = {job.key: job for job in jobs}
    skipped: list[JobState] = []
    ready: list[JobState] = []
    active = Counter(job.plan.definition_id for job in jobs if _active(job))
    progress = True
    while progress:
        progress = False
        for job in jobs:
            if job.status == Status.QUEUED and job.cancel_requested:  # by a newer job of its group
                job.status, job.finished_at, job.dispatched_at = Status.CANCELLED, now, None
                job.error, job.wait_reason, job.waiting_since = job.error or "cancelled", None, None
                skipped.append(job)
                progress = True
                continue
            if job.status != Status.QUEUED or job.dispatched_at is not None:
                continue
            needs = [by_key[key] for key in job.needs if key in by_key]
            if not all(Status(need.status).done for need in needs):
                continue
            reason = _reason_to_skip(execution, job, needs, conveyor)
            limit = job.plan.max_parallel
            if reason is None and limit is not None and active[job.plan.definition_id] >= limit:
                continue  # max-parallel: it goes when a running combination ends
            if reason is None:
                job.dispatched_at = now
                active[job.plan.definition_id] += 1
                ready.append(job)
            else:
                job.status, job.error, job.finished_at = Status.SKIPPED, reason, now
                skipped.append(job)
                progress = True
    return skipped, ready


def _active(job: JobState) -> bool:
    return job.status == Status.RUNNING or (job.status == Status.QUEUED and job.dispatched_at is not None)


def _reason_to_skip(
    execution: ExecutionState, job: JobState, needs: Sequence[JobState], conveyor: dict[str, Any]
) -> str | None:
    condition = parse_condition(job.plan.condition)
    unsuccessful = [need.key for need in needs if need.status != Status.SUCCESS]
    context = Context(
        success=not unsuccessful,
        failure=any(need.status in FAILING for need in needs),
        cancelled=execution.cancel_requested,
        matrix=job.plan.matrix,
        needs=needs_context(needs),
        conveyor=conveyor,
        inputs=execution.inputs or {},
    )
    try:
        # the job's env as the condition sees it: no secrets, those reach only the runner
        context = replace(context, env={k: interpolate(v, context) for k, v in job.plan.env.items()})
        if condition.evaluate(context):
            return None
    except ExpressionError as exc:
        return f"skipped: if {condition.text} cannot be evaluated: {exc}"
    if unsuccessful and condition.evaluate(replace(context, success=True, failure=False)):
        return f"skipped: needed job {unsuccessful[0]!r} did not succeed"
    return f"skipped: if {condition.text} is false"
