"""Worker tokens, and the server's half of the worker API: a remote worker claims a job it was
sent (by id, over Celery), gets its plan and its project's secrets, and reports through here
everything a local runner writes straight to the database.

A worker token opens only these calls, and a job only for the token that claimed it; reports
also name the runner, so a worker that lost the job (lease expired, reclaimed elsewhere) learns
it from ``held: false`` and stops.
"""

from __future__ import annotations

import dataclasses
import secrets as random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.architecture import service as architecture
from conveyor.architecture.recorder import store_step_diagram
from conveyor.architecture.schemas import ArchitectureSettings, DiagramRead
from conveyor.auth.principal import Principal
from conveyor.auth.security import digest
from conveyor.config import Settings
from conveyor.db import Database, new_id, utcnow
from conveyor.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, Unauthorized
from conveyor.events.bus import EventBus
from conveyor.executions import lifecycle, updates
from conveyor.executions.claims import Claim, Line, StepChange, StoredArtifact, TestCase
from conveyor.executions.models import Job
from conveyor.executions.sqlstore import SqlStore
from conveyor.executions.updates import artifact_content
from conveyor.notifications.schemas import ActivityKind
from conveyor.notifications.service import activity
from conveyor.projects.secrets import SecretCipher
from conveyor.runners.execute import Dispatch, job_ended
from conveyor.security import advisories, recorder
from conveyor.security.schemas import AdvisoryRecords, ScannerRead, ScanRead, StepScanResult
from conveyor.security.service import scan_read
from conveyor.security.versions import normalize_name
from conveyor.workers.models import WorkerToken
from conveyor.workers.schemas import (
    AdvisoryRequest,
    ClaimRequest,
    CommitRequest,
    DiagramStoreRequest,
    FinishRequest,
    HeartbeatReply,
    HeartbeatRequest,
    Held,
    JobAssignment,
    ReportRequest,
    ScanFailRequest,
    ScanFinishRequest,
    ScanProgressRequest,
    SourceWire,
    TestResultsRequest,
    TestSummary,
    WorkerTokenCreate,
)

WORKER_TOKEN_PREFIX = "cvw_"
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


# --- tokens (admins) ---


async def create_token(
    *, session: AsyncSession, bus: EventBus, actor: Principal, data: WorkerTokenCreate
) -> tuple[WorkerToken, str]:
    plaintext = WORKER_TOKEN_PREFIX + random.token_urlsafe(32)
    token = WorkerToken(
        id=new_id(),
        name=data.name,
        prefix=plaintext[:8],
        token_hash=digest(plaintext),
        created_by=actor.user_id,
    )
    session.add(token)
    await bus.commit(
        session,
        activity(actor.user_id, ActivityKind.WORKER_TOKEN_CREATED, f"Created worker token {data.name}"),
    )
    return token, plaintext


async def list_tokens(session: AsyncSession) -> list[WorkerToken]:
    statement = select(WorkerToken).order_by(WorkerToken.created_at)
    return list((await session.execute(statement)).scalars())


async def revoke_token(
    *, session: AsyncSession, bus: EventBus, actor: Principal, token_id: str
) -> WorkerToken:
    """Workers using it are refused from their next call; the jobs they hold are lost (and
    retried or failed by the reaper) when their leases run out."""
    token = await session.get(WorkerToken, token_id)
    if token is None:
        raise NotFound(f"worker token {token_id} not found")
    token.revoked_at = token.revoked_at or utcnow()
    await bus.commit(
        session,
        activity(actor.user_id, ActivityKind.WORKER_TOKEN_REVOKED, f"Revoked worker token {token.name}"),
    )
    return token


async def authenticate(db: Database, token: str) -> WorkerToken:
    if not token.startswith(WORKER_TOKEN_PREFIX):
        raise Unauthorized("not a worker token (they start with cvw_; `conveyor worker-tokens create`)")
    async with db.session() as session:
        statement = select(WorkerToken).where(WorkerToken.token_hash == digest(token))
        record = (await session.execute(statement)).scalar_one_or_none()
    if record is None or record.revoked_at is not None:
        raise Unauthorized("invalid token: unknown or revoked worker token")
    return record


async def _mark_used(db: Database, token: WorkerToken) -> None:
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    async with db.write_session() as session:
        record = await session.get(WorkerToken, token.id)
        if record is not None:
            record.last_used_at = now
        await session.commit()


# --- jobs (workers) ---


async def claim(
    *,
    db: Database,
    bus: EventBus,
    cipher: SecretCipher,
    settings: Settings,
    token: WorkerToken,
    job_id: str,
    body: ClaimRequest,
) -> JobAssignment:
    """Take the queued job for this worker: its plan and its project's secrets (409 when it is
    gone, cancelled, taken or needs labels the worker lacks: the worker drops the message)."""
    await _mark_used(db, token)
    labels = None if body.labels is None else frozenset(body.labels)
    taken = await lifecycle.claim_job(
        SqlStore(db, bus),
        job_id,
        runner=body.runner,
        lease=settings.job_lease_seconds,
        labels=labels,
        holder=token.id,
    )
    if taken is None:
        raise Conflict(f"job {job_id} is not waiting for a runner (taken, finished, cancelled or unknown)")
    return _assignment(taken, await updates.job_secrets(db, cipher, taken))


def _assignment(taken: Claim, secrets: dict[str, str]) -> JobAssignment:
    fields = {field.name: getattr(taken, field.name) for field in dataclasses.fields(taken)}
    fields.update(
        plan=taken.plan.model_dump(mode="json"),
        artifact_sources=[SourceWire.model_validate(source) for source in taken.artifact_sources],
        secrets=secrets,
    )
    return JobAssignment.model_validate(fields)


async def _claimed(db: Database, token: WorkerToken, job_id: str) -> Claim:
    held = await updates.held_claim(db, job_id, holder=token.id)
    if held is None:
        raise NotFound(f"job {job_id} not found among the jobs this worker token claimed")
    return held


async def _running(db: Database, token: WorkerToken, job_id: str, runner: str) -> Claim:
    """The job, while this runner of this token still runs it (409 once it lost it)."""
    held = await _claimed(db, token, job_id)
    async with db.session() as session:
        job = await session.get(Job, job_id)
        if job is None or job.status != "running" or job.runner != runner:
            raise Conflict(f"runner {runner} no longer holds job {job_id}")
    return held


async def report(
    *, db: Database, bus: EventBus, token: WorkerToken, job_id: str, body: ReportRequest
) -> Held:
    held = await _claimed(db, token, job_id)
    lines = [Line(x.n, x.step, x.ts, x.text, x.origin) for x in body.lines]
    steps = [StepChange(x.index, x.status, x.exit_code, x.error) for x in body.steps]
    reported = await lifecycle.report(SqlStore(db, bus), held, lines=lines, steps=steps, runner=body.runner)
    return Held(held=reported)


async def restart(*, db: Database, bus: EventBus, token: WorkerToken, job_id: str, runner: str) -> Held:
    held = await _claimed(db, token, job_id)
    return Held(held=await lifecycle.restart_job(SqlStore(db, bus), held, runner=runner))


async def heartbeat(
    *,
    db: Database,
    bus: EventBus,
    settings: Settings,
    token: WorkerToken,
    job_id: str,
    body: HeartbeatRequest,
) -> HeartbeatReply:
    await _claimed(db, token, job_id)
    beat = await lifecycle.heartbeat(
        SqlStore(db, bus), job_id, runner=body.runner, lease=settings.job_lease_seconds, pgid=body.pgid
    )
    return HeartbeatReply(held=beat.held, cancel=beat.cancel)


async def record_commit(*, db: Database, token: WorkerToken, job_id: str, body: CommitRequest) -> None:
    held = await _running(db, token, job_id, body.runner)
    await updates.record_commit(db, held.execution_id, body.sha)


async def finish(
    *,
    db: Database,
    bus: EventBus,
    settings: Settings,
    dispatch: Dispatch,
    token: WorkerToken,
    job_id: str,
    body: FinishRequest,
) -> Held:
    """Record the job's end, then move its execution along here, on the server."""
    held = await _claimed(db, token, job_id)
    store = SqlStore(db, bus)
    finished = await lifecycle.finish_job(
        store,
        held,
        runner=body.runner,
        status=body.status,
        exit_code=body.exit_code,
        error=body.error,
        outputs=body.outputs,
        caches=body.caches,
    )
    if finished:
        await job_ended(store, dispatch, held.execution_id)
    return Held(held=finished)


async def store_test_results(
    *, db: Database, token: WorkerToken, job_id: str, body: TestResultsRequest
) -> TestSummary:
    held = await _running(db, token, job_id, body.runner)
    cases = [TestCase(**case.model_dump()) for case in body.cases]
    return TestSummary.model_validate(await updates.store_test_results(db, held, cases))


async def clear_artifacts(*, db: Database, token: WorkerToken, job_id: str, runner: str) -> None:
    await updates.delete_artifacts(db, await _running(db, token, job_id, runner))


async def store_artifact(
    *,
    db: Database,
    settings: Settings,
    token: WorkerToken,
    job_id: str,
    runner: str,
    path: str,
    content: AsyncIterator[bytes],
) -> StoredArtifact:
    """One file of the job's artifacts, streamed into the database as it arrives; refused
    (413, nothing kept) past ``CONVEYOR_ARTIFACT_MAX_BYTES``."""
    _check_artifact_path(path)
    held = await _running(db, token, job_id, runner)
    await updates.store_artifact(db, held, path, _capped(content, settings.artifact_max_bytes))
    for artifact in await updates.artifacts_of(db, job_id):
        if artifact.path == path:
            return artifact
    raise NotFound(f"artifact {path!r} of job {job_id} not found")  # deleted meanwhile


def _check_artifact_path(path: str) -> None:
    parts = PurePosixPath(path).parts
    if not parts or path.startswith("/") or ".." in parts or len(path) > 1000 or "\x00" in path:
        raise InvalidInput(f"artifact path {path!r} must be relative, without '..', at most 1000 characters")


async def _capped(content: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    size = 0
    async for chunk in content:
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"an artifact may hold at most {limit} bytes (CONVEYOR_ARTIFACT_MAX_BYTES)")
        yield chunk


async def source_artifacts(
    *, db: Database, token: WorkerToken, job_id: str, runner: str, source_job_id: str
) -> list[StoredArtifact]:
    """The artifacts of a job the claimed job needs (and of no other job)."""
    held = await _running(db, token, job_id, runner)
    async with db.session() as session:
        job, source = await session.get(Job, job_id), await session.get(Job, source_job_id)
    if (
        job is None
        or source is None
        or source.execution_id != held.execution_id
        or source.key not in job.needs
    ):
        raise NotFound(f"job {source_job_id} is not a job that job {job_id} needs")
    return await updates.artifacts_of(db, source_job_id)


async def source_artifact(
    *, db: Database, token: WorkerToken, job_id: str, runner: str, source_job_id: str, artifact_id: str
) -> tuple[StoredArtifact, AsyncIterator[bytes]]:
    artifacts = await source_artifacts(
        db=db, token=token, job_id=job_id, runner=runner, source_job_id=source_job_id
    )
    for artifact in artifacts:
        if artifact.id == artifact_id:
            return artifact, artifact_content(db, artifact.id)
    raise NotFound(f"artifact {artifact_id} of job {source_job_id} not found")


# --- built-in steps of a claimed job: scans and diagrams (security/recorder.py,
# architecture/recorder.py); always on the project of that job ---


async def start_scan(
    *, db: Database, bus: EventBus, token: WorkerToken, job_id: str, runner: str
) -> ScanRead:
    held = await _running(db, token, job_id, runner)
    scan = await recorder.start_step_scan(
        db, bus, project_id=held.project_id, job_id=held.job_id, ref=held.ref, commit_sha=held.commit_sha
    )
    return scan_read(scan)


async def scan_progress(
    *, db: Database, bus: EventBus, token: WorkerToken, job_id: str, scan_id: str, body: ScanProgressRequest
) -> None:
    await _running(db, token, job_id, body.runner)
    progress = ScannerRead.model_validate(body.model_dump(exclude={"runner"}))
    await recorder.step_progress(db, bus, job_id, scan_id, progress)


async def extend_scan(*, db: Database, token: WorkerToken, job_id: str, scan_id: str, runner: str) -> None:
    await _running(db, token, job_id, runner)
    await recorder.extend_step_scan(db, job_id, scan_id)


async def finish_scan(
    *, db: Database, bus: EventBus, token: WorkerToken, job_id: str, scan_id: str, body: ScanFinishRequest
) -> StepScanResult:
    await _running(db, token, job_id, body.runner)
    runs = [recorder.run_of(run) for run in body.runs]
    return await recorder.finish_step_scan(db, bus, job_id, scan_id, runs)


async def fail_scan(
    *, db: Database, bus: EventBus, token: WorkerToken, job_id: str, scan_id: str, body: ScanFailRequest
) -> None:
    await _claimed(db, token, job_id)  # also when the job was lost or cancelled meanwhile
    await recorder.fail_step_scan(db, bus, job_id, scan_id, body.error)


async def advisory_records(
    *, db: Database, token: WorkerToken, job_id: str, body: AdvisoryRequest
) -> AdvisoryRecords:
    await _running(db, token, job_id, body.runner)
    keys: set[tuple[str, str]] = {(p.ecosystem, normalize_name(p.ecosystem, p.name)) for p in body.packages}
    return AdvisoryRecords(records=await advisories.records(db, keys))


async def architecture_settings(
    *, db: Database, token: WorkerToken, job_id: str, runner: str
) -> ArchitectureSettings:
    held = await _running(db, token, job_id, runner)
    async with db.session() as session:
        return await architecture.get_settings(session, held.project_id)


async def store_diagram(
    *, db: Database, bus: EventBus, token: WorkerToken, job_id: str, body: DiagramStoreRequest
) -> DiagramRead:
    held = await _running(db, token, job_id, body.runner)
    return await store_step_diagram(
        db, bus, project_id=held.project_id, ref=held.ref, commit_sha=held.commit_sha, data=body
    )
