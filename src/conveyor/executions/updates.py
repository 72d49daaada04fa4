"""What runners report, each in a short write transaction with its event: the update path.

Local runners and Celery workers call the same functions, so a job's life looks the same
whichever executor ran it. A runner that lost its job (lease expired, cancelled elsewhere)
learns it from the return values and stops.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import Database, new_id, utcnow
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventType, PipelineLogData
from conveyor.events.schemas import Emission, emission
from conveyor.executions.models import Artifact, ArtifactChunk, Execution, Job, LogLine, Step, TestResult
from conveyor.executions.sqlstore import SqlTx
from conveyor.executions.state import (
    conveyor_context,
    execution_event,
    jobs_of,
    lock_execution,
    needs_context,
    read_execution,
    snapshot_event,
    with_step_values,
)
from conveyor.pipelines.spec.plan import JobPlan
from conveyor.projects.models import Project
from conveyor.projects.secrets import SecretCipher
from conveyor.projects.service import secret_values
from conveyor.status import Status

ARTIFACT_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ArtifactSource:
    """A needed job whose artifacts go into the workspace before the steps."""

    job_id: str
    key: str
    status: str
    named: bool  # listed in `dependencies:`: missing artifacts are an error, not a note


@dataclass(frozen=True)
class Claim:
    """Everything a runner needs to run one job."""

    job_id: str
    key: str
    execution_id: str
    pipeline_id: str
    project_id: str
    number: int
    attempt: int
    retries_left: int
    log_offset: int
    plan: JobPlan
    repo_url: str | None
    ref: str | None
    commit_sha: str | None
    trigger: str
    # the `needs` context (result and outputs of the jobs it needs) and the `conveyor` one
    needs: dict[str, Any] = field(default_factory=dict)
    conveyor: dict[str, Any] = field(default_factory=dict)
    artifact_sources: list[ArtifactSource] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ArtifactFile:
    path: str  # relative to the workspace: the name users see
    source: Path
    size: int


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest class

    suite: str
    classname: str
    name: str
    status: str  # passed, failed, skipped
    duration: float
    message: str | None


@dataclass(frozen=True)
class Line:
    n: int
    step: int | None
    ts: datetime
    text: str
    origin: str = "step"  # or "runner": see LogLine.origin

    def wire(self) -> dict[str, object]:
        return {
            "n": self.n,
            "ts": self.ts.isoformat(),
            "step": self.step,
            "text": self.text,
            "origin": self.origin,
        }


async def claim_job(
    db: Database,
    bus: EventBus,
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
    async with db.write_session() as session:
        job = await session.get(Job, job_id)
        if job is None:
            return None
        execution = await lock_execution(session, job.execution_id)
        await session.refresh(job)
        # a job not dispatched yet (its needs still running) is no runner's to take
        if (
            job.status != Status.QUEUED
            or job.dispatched_at is None
            or job.cancel_requested
            or execution.cancel_requested
            or not _fits(job.plan, labels)
        ):
            await session.commit()
            return None
        now = utcnow()
        job.status, job.runner, job.attempt = Status.RUNNING, runner, job.attempt + 1
        job.worker_token_id = holder
        job.started_at, job.finished_at, job.exit_code, job.error = now, None, None, None
        job.wait_reason = job.waiting_since = None
        job.lease_expires_at = now + timedelta(seconds=lease)
        await _reset_steps(session, job.id)
        execution.started_at = execution.started_at or now
        if execution.status == Status.QUEUED:  # a run waiting for approval still waits
            execution.status = Status.RUNNING
        project = await session.get(Project, execution.project_id)
        needed = [other for other in await jobs_of(session, execution.id) if other.key in job.needs]
        claim = replace(
            _claim(
                job,
                execution,
                project,
                needs_context(needed),
                await conveyor_context(SqlTx(session, bus), execution),
            ),
            artifact_sources=_artifact_sources(job.plan, needed),
            inputs=execution.inputs or {},
        )
        await bus.commit(
            session, await execution_event(session, EventType.PIPELINE_EXECUTION_UPDATED, execution)
        )
        return claim


def _fits(plan: JobPlan, labels: frozenset[str] | None) -> bool:
    return labels is None or set(plan.labels) <= labels


def _artifact_sources(plan: JobPlan, needed: Sequence[Job]) -> list[ArtifactSource]:
    named = plan.dependencies
    return [
        ArtifactSource(job.id, job.key, job.status, named is not None)
        for job in needed
        if (job.plan.definition_id in named if named is not None else job.plan.artifacts is not None)
    ]


@dataclass(frozen=True)
class StoredArtifact:
    id: str
    job_id: str
    path: str
    size: int
    sha256: str


async def artifacts_of(db: Database, job_id: str) -> list[StoredArtifact]:
    async with db.session() as session:
        statement = select(Artifact).where(Artifact.job_id == job_id).order_by(Artifact.path)
        rows = (await session.execute(statement)).scalars()
        return [StoredArtifact(row.id, row.job_id, row.path, row.size, row.sha256) for row in rows]


async def held_claim(db: Database, job_id: str, *, holder: str) -> Claim | None:
    """Who a remote worker reports on: the job, if the worker token ``holder`` claimed it last
    (its ``needs``, ``conveyor`` and sources are left empty: reports do not read them)."""
    async with db.session() as session:
        job = await session.get(Job, job_id)
        if job is None or job.worker_token_id != holder:
            return None
        execution = await session.get(Execution, job.execution_id)
        if execution is None:
            return None
        return _claim(job, execution, None, {}, {})


async def job_secrets(db: Database, cipher: SecretCipher, claim: Claim) -> dict[str, str]:
    """The claimed job's project secrets, decrypted for its environment (masked in its output).

    A pull request from a fork gets none: its code was written by someone outside the project."""
    async with db.session() as session:
        if await session.scalar(select(Execution.from_fork).where(Execution.id == claim.execution_id)):
            return {}
        return await secret_values(session, cipher, claim.project_id)


def _claim(
    job: Job, execution: Execution, project: Project | None, needs: dict[str, Any], conveyor: dict[str, Any]
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
        repo_url=project.repo_url if project else None,
        ref=execution.ref,
        commit_sha=execution.commit_sha,
        trigger=execution.trigger,
        needs=needs,
        conveyor=conveyor,
    )


async def _reset_steps(session: AsyncSession, job_id: str) -> None:
    await session.execute(
        update(Step)
        .where(Step.job_id == job_id)
        .values(status=Status.QUEUED.value, exit_code=None, error=None, started_at=None, finished_at=None)
    )


@dataclass(frozen=True)
class StepChange:
    index: int
    status: Status
    exit_code: int | None = None
    error: str | None = None

    def values(self) -> dict[str, object]:
        values: dict[str, object] = {
            "status": self.status.value,
            "exit_code": self.exit_code,
            "error": self.error,
        }
        values["started_at" if self.status == Status.RUNNING else "finished_at"] = utcnow()
        return values


async def restart_job(db: Database, bus: EventBus, claim: Claim, *, runner: str) -> bool:
    """An automatic retry by the runner that holds the job: a new attempt, steps queued again."""
    async with db.write_session() as session:
        execution = await lock_execution(session, claim.execution_id)
        job = await _held(session, claim.job_id, runner)
        if job is None:
            return False
        job.attempt, job.retries_left = job.attempt + 1, job.retries_left - 1
        job.exit_code = job.error = None
        await _reset_steps(session, job.id)
        await _commit_update(session, bus, execution)
        return True


async def report(
    db: Database,
    bus: EventBus,
    claim: Claim,
    *,
    lines: Sequence[Line],
    steps: Sequence[StepChange],
    runner: str,
) -> bool:
    """A batch from a running job in one transaction: log lines (one ``pipeline_log`` event) and
    step changes (one ``pipeline_execution_updated`` event each, so every state a step went
    through is announced, even within one batch). False if the runner lost the job."""
    async with db.write_session() as session:
        execution = await lock_execution(session, claim.execution_id)
        job = await _held(session, claim.job_id, runner)
        if job is None:
            return False
        events = []
        # a batch sent again (its answer lost on the way back to a remote worker) is not doubled
        lines = [line for line in lines if line.n >= job.log_lines]
        if lines:
            events.append(await _append_lines(session, claim, lines))
        if steps:
            events += await _apply_step_changes(session, execution, claim.job_id, steps)
        await bus.commit(session, *events)
        return True


async def _apply_step_changes(
    session: AsyncSession, execution: Execution, job_id: str, changes: Sequence[StepChange]
) -> list[Emission]:
    """Write each change and announce it with the execution as it stood right after it."""
    snapshot = await read_execution(session, execution)
    events = []
    for change in changes:
        values = change.values()
        statement = update(Step).where(Step.job_id == job_id, Step.position == change.index)
        await session.execute(statement.values(**values))
        snapshot = with_step_values(snapshot, job_id, change.index, values)
        events.append(snapshot_event(EventType.PIPELINE_EXECUTION_UPDATED, snapshot))
    return events


async def _append_lines(session: AsyncSession, claim: Claim, lines: Sequence[Line]) -> Emission:
    rows = [
        {"job_id": claim.job_id, "n": x.n, "step": x.step, "ts": x.ts, "text": x.text, "origin": x.origin}
        for x in lines
    ]
    await session.execute(insert(LogLine), rows)
    await session.execute(update(Job).where(Job.id == claim.job_id).values(log_lines=lines[-1].n + 1))
    data = PipelineLogData(
        executionId=claim.execution_id,
        pipelineId=claim.pipeline_id,
        jobId=claim.job_id,
        offset=lines[0].n,
        lines=[line.wire() for line in lines],
    )
    return emission(EventType.PIPELINE_LOG, data, project_id=claim.project_id)


async def finish_job(
    db: Database,
    bus: EventBus,
    claim: Claim,
    *,
    runner: str,
    status: Status,
    exit_code: int | None = None,
    error: str | None = None,
    outputs: dict[str, str] | None = None,
    caches: list[dict[str, object]] | None = None,
) -> bool:
    async with db.write_session() as session:
        execution = await lock_execution(session, claim.execution_id)
        job = await _held(session, claim.job_id, runner)
        if job is None:
            return False
        job.status, job.exit_code, job.error, job.outputs = status, exit_code, error, outputs
        job.caches = caches
        job.finished_at, job.lease_expires_at, job.pgid = utcnow(), None, None
        await session.execute(
            update(Step)
            .where(Step.job_id == job.id, Step.status == Status.QUEUED.value)
            .values(status=Status.SKIPPED.value)
        )
        await _commit_update(session, bus, execution)
        return True


async def _held(session: AsyncSession, job_id: str, runner: str) -> Job | None:
    """The job if this runner still holds it (the caller holds the execution's lock)."""
    statement = select(Job).where(Job.id == job_id, Job.status == Status.RUNNING.value, Job.runner == runner)
    job = (await session.execute(statement.execution_options(populate_existing=True))).scalar_one_or_none()
    if job is None:
        await session.commit()
    return job


async def _commit_update(session: AsyncSession, bus: EventBus, execution: Execution) -> None:
    await bus.commit(session, await execution_event(session, EventType.PIPELINE_EXECUTION_UPDATED, execution))


@dataclass(frozen=True)
class Heartbeat:
    held: bool
    cancel: bool


async def heartbeat(db: Database, job_id: str, *, runner: str, lease: float, pgid: int | None) -> Heartbeat:
    """Extend the job's lease; tell the runner whether it still holds the job and must cancel it."""
    async with db.write_session() as session:
        result = await session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == Status.RUNNING.value, Job.runner == runner)
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease), pgid=pgid)
            .returning(Job.cancel_requested)
        )
        row = result.first()
        await session.commit()
    return Heartbeat(held=row is not None, cancel=bool(row and row[0]))


async def store_artifacts(db: Database, claim: Claim, files: Sequence[ArtifactFile]) -> None:
    """Replace the job's artifacts (a retry's replace the last attempt's) with ``files``."""
    await delete_artifacts(db, claim)
    for file in files:
        await _store_artifact(db, claim, file)


async def _store_artifact(db: Database, claim: Claim, file: ArtifactFile) -> None:
    with file.source.open("rb") as stream:
        await store_artifact(db, claim, file.path, _file_chunks(stream))


async def _file_chunks(stream: BinaryIO) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(stream.read, ARTIFACT_CHUNK_BYTES):
        yield chunk


async def delete_artifacts(db: Database, claim: Claim) -> None:
    async with db.write_session() as session:
        await session.execute(delete(Artifact).where(Artifact.job_id == claim.job_id))
        await session.commit()


async def store_artifact(db: Database, claim: Claim, path: str, chunks: AsyncIterator[bytes]) -> int:
    """One file of the job's artifacts in one transaction, written as it arrives in rows of
    ``ARTIFACT_CHUNK_BYTES`` (never the whole file in memory); its size. It replaces a file of
    the same path (an upload tried again)."""
    digest, size, n = hashlib.sha256(), 0, 0
    async with db.write_session() as session:
        await session.execute(delete(Artifact).where(Artifact.job_id == claim.job_id, Artifact.path == path))
        artifact = Artifact(
            execution_id=claim.execution_id, job_id=claim.job_id, path=path, size=0, sha256=""
        )
        session.add(artifact)
        await session.flush()
        async for chunk in _rows(chunks):
            await session.execute(insert(ArtifactChunk).values(artifact_id=artifact.id, n=n, data=chunk))
            digest.update(chunk)
            size, n = size + len(chunk), n + 1
        artifact.size, artifact.sha256 = size, digest.hexdigest()
        await session.commit()
    return size


async def _rows(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The bytes of ``chunks`` again, cut into pieces of ``ARTIFACT_CHUNK_BYTES`` (the last shorter)."""
    pending = bytearray()
    async for chunk in chunks:
        pending += chunk
        while len(pending) >= ARTIFACT_CHUNK_BYTES:
            yield bytes(pending[:ARTIFACT_CHUNK_BYTES])
            del pending[:ARTIFACT_CHUNK_BYTES]
    if pending:
        yield bytes(pending)


async def store_test_results(db: Database, claim: Claim, cases: Sequence[TestCase]) -> dict[str, int]:
    """Replace the job's test results (a retry's replace the last attempt's); its summary."""
    summary = {
        status: sum(case.status == status for case in cases) for status in ("passed", "failed", "skipped")
    }
    async with db.write_session() as session:
        await session.execute(delete(TestResult).where(TestResult.job_id == claim.job_id))
        rows = [
            {"id": new_id(), "execution_id": claim.execution_id, "job_id": claim.job_id, **vars(case)}
            for case in cases
        ]
        for start in range(0, len(rows), 1000):
            await session.execute(insert(TestResult), rows[start : start + 1000])
        await session.execute(update(Job).where(Job.id == claim.job_id).values(tests=summary))
        await session.commit()
    return summary


async def record_commit(db: Database, execution_id: str, sha: str) -> None:
    """The commit the first checkout resolved: every later job of the execution uses it."""
    async with db.write_session() as session:
        await session.execute(
            update(Execution)
            .where(Execution.id == execution_id, Execution.commit_sha.is_(None))
            .values(commit_sha=sha)
        )
        await session.commit()


async def lose_job(
    db: Database, bus: EventBus, job_id: str, *, reason: str, expired_before: datetime | None
) -> bool:
    """A running job whose runner is gone: queued again if it has retries left, else failed.

    With ``expired_before`` only a job whose lease ended before then is taken (the reaper);
    without it the caller knows the runner is dead (a restarted node recognising its own jobs).
    """
    async with db.write_session() as session:
        job = await session.get(Job, job_id)
        if job is None:
            return False
        execution = await lock_execution(session, job.execution_id)
        await session.refresh(job)
        expired = expired_before is None or (job.lease_expires_at or expired_before) < expired_before
        if job.status != Status.RUNNING or not expired:
            await session.commit()
            return False
        await _mark_lost(session, job, reason)
        await _commit_update(session, bus, execution)
        return True


async def _mark_lost(session: AsyncSession, job: Job, reason: str) -> None:
    now = utcnow()
    running = update(Step).where(Step.job_id == job.id, Step.status == Status.RUNNING.value)
    await session.execute(running.values(status=Status.FAILED.value, error=reason, finished_at=now))
    job.runner = job.lease_expires_at = job.pgid = None
    if job.retries_left > 0:
        job.status, job.dispatched_at, job.retries_left = Status.QUEUED, None, job.retries_left - 1
        job.error = f"{reason}; retrying"
        return
    job.status, job.error, job.finished_at = Status.FAILED, reason, now
    queued = update(Step).where(Step.job_id == job.id, Step.status == Status.QUEUED.value)
    await session.execute(queued.values(status=Status.SKIPPED.value))
