"""What runners report, each in a short write transaction with its event: the update path.

Local runners, remote workers and ``conveyor run`` call the same functions on their state store,
so a job's life looks the same whichever executor ran it. A runner that lost its job (lease
expired, cancelled elsewhere) learns it from the return values and stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from conveyor.basics import utcnow
from conveyor.events.catalog import EventType, PipelineLogData
from conveyor.events.schemas import Emission, emission
from conveyor.executions.claims import ArtifactSource, Claim, Heartbeat, Line, StepChange
from conveyor.executions.derived import conveyor_context, needs_context, snapshot_event, with_step_values
from conveyor.executions.store import ExecutionState, JobState, StateStore, StateTx
from conveyor.pipelines.spec.plan import JobPlan
from conveyor.status import Status

QUEUED_STEP = {"status": Status.QUEUED.value, "exit_code": None, "error": None}
QUEUED_STEP |= {"started_at": None, "finished_at": None}


async def claim_job(
    store: StateStore,
    job_id: str,
    *,
    runner: str,
    lease: float,
    labels: frozenset[str] | None = None,
    holder: str | None = None,
) -> Claim | None:
    """Take a queued job (None if it is gone, cancelled or already taken) and mark it running.

    A runner with ``labels`` takes only a job whose `runs-on` labels it has (None: any job).
    ``holder``: the worker token of a remote worker, the only one allowed to report on the job.
    """
    async with store.write() as tx:
        found = await tx.locked_job(job_id)
        if found is None:
            return None
        execution, job = found
        # a job not dispatched yet (its needs still running) is no runner's to take
        if (
            job.status != Status.QUEUED
            or job.dispatched_at is None
            or job.cancel_requested
            or execution.cancel_requested
            or not _fits(job.plan, labels)
        ):
            await tx.commit()
            return None
        now = utcnow()
        job.status, job.runner, job.attempt = Status.RUNNING, runner, job.attempt + 1
        job.worker_token_id = holder
        job.started_at, job.finished_at, job.exit_code, job.error = now, None, None, None
        job.wait_reason = job.waiting_since = None
        job.lease_expires_at = now + timedelta(seconds=lease)
        await tx.update_steps(job.id, QUEUED_STEP)
        execution.started_at = execution.started_at or now
        if execution.status == Status.QUEUED:  # a run waiting for approval still waits
            execution.status = Status.RUNNING
        project = await tx.project(execution.project_id)
        repo_url = project.repo_url if project else None
        needed = [other for other in await tx.jobs_of(execution.id) if other.key in job.needs]
        claim = replace(
            claim_of(
                job,
                execution,
                repo_url,
                needs_context(needed),
                await conveyor_context(tx, execution),
            ),
            artifact_sources=_artifact_sources(job.plan, needed),
            inputs=execution.inputs or {},
        )
        await _commit_update(tx, execution)
        return claim


def _fits(plan: JobPlan, labels: frozenset[str] | None) -> bool:
    return labels is None or set(plan.labels) <= labels


def _artifact_sources(plan: JobPlan, needed: Sequence[JobState]) -> list[ArtifactSource]:
    named = plan.dependencies
    return [
        ArtifactSource(job.id, job.key, job.status, named is not None)
        for job in needed
        if (job.plan.definition_id in named if named is not None else job.plan.artifacts is not None)
    ]


def claim_of(
    job: JobState,
    execution: ExecutionState,
    repo_url: str | None,
    needs: dict[str, Any],
    conveyor: dict[str, Any],
) -> Claim:
    return Claim(
        job_id=job.id,
        key=job.key,
        execution_id=execution.id,
        pipeline_id=execution.pipeline_id,
        project_id=execution.project_id,
        number=execution.number,
        attempt=job.attempt,
        retries_left=job.retries_left,
        log_offset=job.log_lines,
        plan=job.plan,
        repo_url=repo_url,
        ref=execution.ref,
        commit_sha=execution.commit_sha,
        trigger=execution.trigger,
        needs=needs,
        conveyor=conveyor,
    )


async def restart_job(store: StateStore, claim: Claim, *, runner: str) -> bool:
    """An automatic retry by the runner that holds the job: a new attempt, steps queued again."""
    async with store.write() as tx:
        execution = await tx.lock_execution(claim.execution_id)
        job = await _held(tx, claim.job_id, runner)
        if job is None:
            return False
        job.attempt, job.retries_left = job.attempt + 1, job.retries_left - 1
        job.exit_code = job.error = None
        await tx.update_steps(job.id, QUEUED_STEP)
        await _commit_update(tx, execution)
        return True


async def report(
    store: StateStore,
    claim: Claim,
    *,
    lines: Sequence[Line],
    steps: Sequence[StepChange],
    runner: str,
) -> bool:
    """A batch from a running job in one transaction: log lines (one ``pipeline_log`` event) and
    step changes (one ``pipeline_execution_updated`` event each, so every state a step went
    through is announced, even within one batch). False if the runner lost the job."""
    async with store.write() as tx:
        execution = await tx.lock_execution(claim.execution_id)
        job = await _held(tx, claim.job_id, runner)
        if job is None:
            return False
        events = []
        # a batch sent again (its answer lost on the way back to a remote worker) is not doubled
        lines = [line for line in lines if line.n >= job.log_lines]
        if lines:
            await tx.append_lines(job, lines)
            events.append(_log_event(claim, lines))
        if steps:
            events += await _apply_step_changes(tx, execution, claim.job_id, steps)
        await tx.commit(*events)
        return True


async def _apply_step_changes(
    tx: StateTx, execution: ExecutionState, job_id: str, changes: Sequence[StepChange]
) -> list[Emission]:
    """Write each change and announce it with the execution as it stood right after it."""
    snapshot = await tx.read_execution(execution)
    events = []
    for change in changes:
        values = change.values()
        await tx.update_steps(job_id, values, position=change.index)
        snapshot = with_step_values(snapshot, job_id, change.index, values)
        events.append(snapshot_event(EventType.PIPELINE_EXECUTION_UPDATED, snapshot))
    return events


def _log_event(claim: Claim, lines: Sequence[Line]) -> Emission:
    data = PipelineLogData(
        executionId=claim.execution_id,
        pipelineId=claim.pipeline_id,
        jobId=claim.job_id,
        offset=lines[0].n,
        lines=[line.wire() for line in lines],
    )
    return emission(EventType.PIPELINE_LOG, data, project_id=claim.project_id)


async def finish_job(
    store: StateStore,
    claim: Claim,
    *,
    runner: str,
    status: Status,
    exit_code: int | None = None,
    error: str | None = None,
    outputs: dict[str, str] | None = None,
    caches: list[dict[str, object]] | None = None,
) -> bool:
    async with store.write() as tx:
        execution = await tx.lock_execution(claim.execution_id)
        job = await _held(tx, claim.job_id, runner)
        if job is None:
            return False
        job.status, job.exit_code, job.error, job.outputs = status, exit_code, error, outputs
        job.caches = caches
        job.finished_at, job.lease_expires_at, job.pgid = utcnow(), None, None
        await tx.update_steps(job.id, {"status": Status.SKIPPED.value}, having=Status.QUEUED)
        await _commit_update(tx, execution)
        return True


async def _held(tx: StateTx, job_id: str, runner: str) -> JobState | None:
    """The job if this runner still holds it (the caller holds the execution's lock)."""
    job = await tx.held_job(job_id, runner)
    if job is None:
        await tx.commit()
    return job


async def _commit_update(tx: StateTx, execution: ExecutionState) -> None:
    await tx.commit(snapshot_event(EventType.PIPELINE_EXECUTION_UPDATED, await tx.read_execution(execution)))


async def heartbeat(
    store: StateStore, job_id: str, *, runner: str, lease: float, pgid: int | None
) -> Heartbeat:
    """Extend the job's lease; tell the runner whether it still holds the job and must cancel it."""
    async with store.write() as tx:
        beat = await tx.extend_lease(job_id, runner, until=utcnow() + timedelta(seconds=lease), pgid=pgid)
        await tx.commit()
    return beat
