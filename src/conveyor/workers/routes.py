"""Worker tokens (admins) and the worker API (``conveyor worker`` processes, with a worker token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from conveyor.api.deps import (
    AdminPrincipal,
    BusDep,
    CipherDep,
    DatabaseDep,
    ExecutorDep,
    SessionDep,
    SettingsDep,
    refuse_nul_characters,
)
from conveyor.architecture.schemas import ArchitectureSettings, DiagramRead
from conveyor.security.schemas import AdvisoryRecords, ScanRead, StepScanResult
from conveyor.workers import service
from conveyor.workers.deps import CurrentWorker
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
    RunnerRequest,
    ScanFailRequest,
    ScanFinishRequest,
    ScanProgressRequest,
    StoredArtifactWire,
    TestResultsRequest,
    TestSummary,
    WorkerTokenCreate,
    WorkerTokenCreated,
    WorkerTokenRead,
)

router = APIRouter(tags=["workers"])
# JSON routes refuse NUL characters; the artifact upload is binary.
json_routes = APIRouter(tags=["workers"], dependencies=[Depends(refuse_nul_characters)])
RunnerQuery = Annotated[str, Query(min_length=1, max_length=255, description="The worker's runner id")]


@json_routes.get("/workers/tokens")
async def list_tokens(_: AdminPrincipal, session: SessionDep) -> list[WorkerTokenRead]:
    return [WorkerTokenRead.model_validate(t) for t in await service.list_tokens(session)]


@json_routes.post("/workers/tokens", status_code=status.HTTP_201_CREATED)
async def create_token(
    body: WorkerTokenCreate, admin: AdminPrincipal, session: SessionDep, bus: BusDep
) -> WorkerTokenCreated:
    """A token for ``conveyor worker`` processes (CONVEYOR_WORKER_TOKEN), shown only in this answer."""
    token, plaintext = await service.create_token(session=session, bus=bus, actor=admin, data=body)
    return WorkerTokenCreated.model_validate(
        {**WorkerTokenRead.model_validate(token).model_dump(), "token": plaintext}
    )


@json_routes.delete("/workers/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(token_id: str, admin: AdminPrincipal, session: SessionDep, bus: BusDep) -> None:
    """Workers using it are refused from their next call."""
    await service.revoke_token(session=session, bus=bus, actor=admin, token_id=token_id)


@json_routes.post("/workers/jobs/{job_id}/claim")
async def claim_job(
    job_id: str,
    body: ClaimRequest,
    worker: CurrentWorker,
    db: DatabaseDep,
    bus: BusDep,
    cipher: CipherDep,
    settings: SettingsDep,
) -> JobAssignment:
    """Take a queued job (409 if it does not wait for a runner with these labels): plan and secrets."""
    return await service.claim(
        db=db, bus=bus, cipher=cipher, settings=settings, token=worker, job_id=job_id, body=body
    )


@json_routes.post("/workers/jobs/{job_id}/report")
async def report(
    job_id: str, body: ReportRequest, worker: CurrentWorker, db: DatabaseDep, bus: BusDep
) -> Held:
    """Log lines and step changes of a running job, in one transaction."""
    return await service.report(db=db, bus=bus, token=worker, job_id=job_id, body=body)


@json_routes.post("/workers/jobs/{job_id}/heartbeat")
async def heartbeat(
    job_id: str,
    body: HeartbeatRequest,
    worker: CurrentWorker,
    db: DatabaseDep,
    bus: BusDep,
    settings: SettingsDep,
) -> HeartbeatReply:
    """Extend the job's lease; the answer says whether the worker still holds it and must cancel it."""
    return await service.heartbeat(db=db, bus=bus, settings=settings, token=worker, job_id=job_id, body=body)


@json_routes.post("/workers/jobs/{job_id}/restart")
async def restart(
    job_id: str, body: RunnerRequest, worker: CurrentWorker, db: DatabaseDep, bus: BusDep
) -> Held:
    """An automatic retry: a new attempt of the job, its steps queued again."""
    return await service.restart(db=db, bus=bus, token=worker, job_id=job_id, runner=body.runner)


@json_routes.post("/workers/jobs/{job_id}/commit", status_code=status.HTTP_204_NO_CONTENT)
async def record_commit(job_id: str, body: CommitRequest, worker: CurrentWorker, db: DatabaseDep) -> None:
    """The commit the checkout resolved, for the execution's later jobs."""
    await service.record_commit(db=db, token=worker, job_id=job_id, body=body)


@json_routes.post("/workers/jobs/{job_id}/tests")
async def store_test_results(
    job_id: str, body: TestResultsRequest, worker: CurrentWorker, db: DatabaseDep
) -> TestSummary:
    """The job's JUnit test cases (they replace an earlier attempt's)."""
    return await service.store_test_results(db=db, token=worker, job_id=job_id, body=body)


@json_routes.post("/workers/jobs/{job_id}/finish")
async def finish(
    job_id: str,
    body: FinishRequest,
    worker: CurrentWorker,
    db: DatabaseDep,
    bus: BusDep,
    settings: SettingsDep,
    executor: ExecutorDep,
) -> Held:
    """The job's end; the server then dispatches the jobs it unblocked."""
    return await service.finish(
        db=db, bus=bus, settings=settings, dispatch=executor.dispatch, token=worker, job_id=job_id, body=body
    )


@json_routes.delete("/workers/jobs/{job_id}/artifacts", status_code=status.HTTP_204_NO_CONTENT)
async def clear_artifacts(job_id: str, runner: RunnerQuery, worker: CurrentWorker, db: DatabaseDep) -> None:
    """Before the job's artifacts are uploaded: an earlier attempt's go."""
    await service.clear_artifacts(db=db, token=worker, job_id=job_id, runner=runner)


@router.put(
    "/workers/jobs/{job_id}/artifacts",
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_artifact(
    job_id: str,
    runner: RunnerQuery,
    path: Annotated[str, Query(min_length=1, max_length=1000, description="Relative to the workspace")],
    request: Request,
    worker: CurrentWorker,
    db: DatabaseDep,
    settings: SettingsDep,
) -> StoredArtifactWire:
    """One file of the job's artifacts, the raw bytes as the body (streamed, never held whole)."""
    stored = await service.store_artifact(
        db=db,
        settings=settings,
        token=worker,
        job_id=job_id,
        runner=runner,
        path=path,
        content=request.stream(),
    )
    return StoredArtifactWire.model_validate(stored)


@json_routes.get("/workers/jobs/{job_id}/sources/{source_job_id}/artifacts")
async def source_artifacts(
    job_id: str, source_job_id: str, runner: RunnerQuery, worker: CurrentWorker, db: DatabaseDep
) -> list[StoredArtifactWire]:
    """The artifacts of a job that this job needs."""
    artifacts = await service.source_artifacts(
        db=db, token=worker, job_id=job_id, runner=runner, source_job_id=source_job_id
    )
    return [StoredArtifactWire.model_validate(a) for a in artifacts]


@json_routes.get(
    "/workers/jobs/{job_id}/sources/{source_job_id}/artifacts/{artifact_id}", response_class=Response
)
async def download_source_artifact(
    job_id: str,
    source_job_id: str,
    artifact_id: str,
    runner: RunnerQuery,
    worker: CurrentWorker,
    db: DatabaseDep,
) -> Response:
    """One artifact's bytes (the worker checks them against its SHA-256)."""
    artifact, content = await service.source_artifact(
        db=db,
        token=worker,
        job_id=job_id,
        runner=runner,
        source_job_id=source_job_id,
        artifact_id=artifact_id,
    )
    headers = {"Content-Length": str(artifact.size)}
    return StreamingResponse(content, media_type="application/octet-stream", headers=headers)


# Built-in steps of a claimed job (uses: conveyor/security-scan, conveyor/architecture): the work
# runs on the worker, the record is made here, on the project of that job and no other.


@json_routes.post("/workers/jobs/{job_id}/scans", status_code=status.HTTP_201_CREATED)
async def start_scan(
    job_id: str, body: RunnerRequest, worker: CurrentWorker, db: DatabaseDep, bus: BusDep
) -> ScanRead:
    """A running scan of this job's security-scan step (``security_scan_started``)."""
    return await service.start_scan(db=db, bus=bus, token=worker, job_id=job_id, runner=body.runner)


@json_routes.post("/workers/jobs/{job_id}/scans/{scan_id}/progress", status_code=status.HTTP_204_NO_CONTENT)
async def scan_progress(
    job_id: str, scan_id: str, body: ScanProgressRequest, worker: CurrentWorker, db: DatabaseDep, bus: BusDep
) -> None:
    """One scanner started or ended (``security_scan_updated``)."""
    await service.scan_progress(db=db, bus=bus, token=worker, job_id=job_id, scan_id=scan_id, body=body)


@json_routes.post("/workers/jobs/{job_id}/scans/{scan_id}/lease", status_code=status.HTTP_204_NO_CONTENT)
async def extend_scan(
    job_id: str, scan_id: str, body: RunnerRequest, worker: CurrentWorker, db: DatabaseDep
) -> None:
    """The step still scans: the scan is not abandoned."""
    await service.extend_scan(db=db, token=worker, job_id=job_id, scan_id=scan_id, runner=body.runner)


@json_routes.post("/workers/jobs/{job_id}/scans/{scan_id}/finish")
async def finish_scan(
    job_id: str, scan_id: str, body: ScanFinishRequest, worker: CurrentWorker, db: DatabaseDep, bus: BusDep
) -> StepScanResult:
    """The scanners' findings: vulnerabilities, the policy's verdict, events (idempotent)."""
    return await service.finish_scan(db=db, bus=bus, token=worker, job_id=job_id, scan_id=scan_id, body=body)


@json_routes.post("/workers/jobs/{job_id}/scans/{scan_id}/fail", status_code=status.HTTP_204_NO_CONTENT)
async def fail_scan(
    job_id: str, scan_id: str, body: ScanFailRequest, worker: CurrentWorker, db: DatabaseDep, bus: BusDep
) -> None:
    """The step stopped before its scan ended."""
    await service.fail_scan(db=db, bus=bus, token=worker, job_id=job_id, scan_id=scan_id, body=body)


@json_routes.post("/workers/jobs/{job_id}/advisories")
async def advisories(
    job_id: str, body: AdvisoryRequest, worker: CurrentWorker, db: DatabaseDep
) -> AdvisoryRecords:
    """The server's advisories (OSV records) naming any of these packages."""
    return await service.advisory_records(db=db, token=worker, job_id=job_id, body=body)


@json_routes.get("/workers/jobs/{job_id}/architecture/settings")
async def architecture_settings(
    job_id: str, runner: RunnerQuery, worker: CurrentWorker, db: DatabaseDep
) -> ArchitectureSettings:
    """The job's project's architecture settings (depth, layering rules)."""
    return await service.architecture_settings(db=db, token=worker, job_id=job_id, runner=runner)


@json_routes.post("/workers/jobs/{job_id}/architecture", status_code=status.HTTP_201_CREATED)
async def store_diagram(
    job_id: str, body: DiagramStoreRequest, worker: CurrentWorker, db: DatabaseDep, bus: BusDep
) -> DiagramRead:
    """The diagram of this job's architecture step (``architecture_diagram_update``)."""
    return await service.store_diagram(db=db, bus=bus, token=worker, job_id=job_id, body=body)
