from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from conveyor.api.deps import (
    BusDep,
    CipherDep,
    CurrentPrincipal,
    DatabaseDep,
    ExecutorDep,
    MirrorsDep,
    SessionDep,
)
from conveyor.api.downloads import attachment
from conveyor.executions import commits, logs, service, webhooks
from conveyor.executions.deps import ExecutionAsMaintainer, ExecutionAsViewer
from conveyor.executions.logs import LogQuery
from conveyor.executions.schemas import (
    ApprovalDecision,
    ArtifactRead,
    ExecutionAccepted,
    ExecutionCreate,
    ExecutionRead,
    ExecutionSummary,
    LogPage,
    PushAccepted,
    TestReport,
)
from conveyor.executions.service import Trigger
from conveyor.executions.state import read_execution
from conveyor.executions.webhooks import Provider
from conveyor.pipelines.deps import PipelineAsMaintainer, PipelineAsViewer

router = APIRouter(tags=["pipelines"])


@router.post("/pipelines/{pipeline_id}/executions", status_code=status.HTTP_202_ACCEPTED)
async def start_execution(
    body: ExecutionCreate,
    pipeline: PipelineAsMaintainer,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
    executor: ExecutorDep,
    mirrors: MirrorsDep,
) -> ExecutionAccepted:
    execution = await commits.start_pipeline(
        session=session,
        bus=bus,
        executor=executor,
        mirrors=mirrors,
        pipeline=pipeline,
        actor_id=principal.user_id,
        trigger=Trigger.MANUAL,
        ref=body.ref,
        inputs=body.inputs,
    )
    return ExecutionAccepted(execution_id=execution.id)


@router.get("/pipelines/{pipeline_id}/executions")
async def list_executions(
    pipeline: PipelineAsViewer,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ExecutionRead]:
    rows = await service.list_executions(session, pipeline.id, limit=limit)
    return [ExecutionRead.model_validate(e) for e in rows]


@router.get("/executions")
async def recent_executions(
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    latest: Annotated[bool, Query(description="Only the newest run of each pipeline on each ref.")] = False,
) -> list[ExecutionSummary]:
    """The newest runs across the caller's projects."""
    return await service.recent_executions(session, principal, limit=limit, latest=latest)


@router.get("/executions/{execution_id}")
async def get_execution(execution: ExecutionAsViewer, session: SessionDep) -> ExecutionRead:
    return await read_execution(session, execution)


@router.post("/executions/{execution_id}/cancel", status_code=status.HTTP_202_ACCEPTED)
async def cancel_execution(
    execution: ExecutionAsMaintainer,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
    executor: ExecutorDep,
) -> ExecutionAccepted:
    await service.cancel_execution(
        session=session, bus=bus, executor=executor, execution=execution, actor_id=principal.user_id
    )
    return ExecutionAccepted(execution_id=execution.id)


@router.post("/executions/{execution_id}/retry", status_code=status.HTTP_202_ACCEPTED)
async def retry_execution(
    execution: ExecutionAsMaintainer,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
    executor: ExecutorDep,
) -> ExecutionAccepted:
    await service.retry_execution(
        session=session, bus=bus, executor=executor, execution=execution, actor_id=principal.user_id
    )
    return ExecutionAccepted(execution_id=execution.id)


@router.post("/executions/{execution_id}/approve")
async def approve_execution(
    execution: ExecutionAsMaintainer,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
    executor: ExecutorDep,
    body: ApprovalDecision | None = None,
) -> ExecutionRead:
    """Run the jobs waiting for approval of a protected environment (maintainers; 409 if none waits)."""
    return await _decide(session, bus, executor, execution, principal, body, approve=True)


@router.post("/executions/{execution_id}/reject")
async def reject_execution(
    execution: ExecutionAsMaintainer,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
    executor: ExecutorDep,
    body: ApprovalDecision | None = None,
) -> ExecutionRead:
    """Cancel the jobs waiting for approval (maintainers; 409 if none waits); jobs needing them
    are skipped."""
    return await _decide(session, bus, executor, execution, principal, body, approve=False)


async def _decide(
    session: SessionDep,
    bus: BusDep,
    executor: ExecutorDep,
    execution: ExecutionAsMaintainer,
    principal: CurrentPrincipal,
    body: ApprovalDecision | None,
    *,
    approve: bool,
) -> ExecutionRead:
    comment = body.comment if body else None
    decided = await service.decide_approval(
        session=session,
        bus=bus,
        executor=executor,
        execution=execution,
        actor=principal,
        approve=approve,
        comment=comment,
    )
    return await read_execution(session, decided)


@router.get("/executions/{execution_id}/logs")
async def read_logs(
    execution: ExecutionAsViewer,
    session: SessionDep,
    job: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    step: Annotated[int | None, Query(ge=0, description="Only this step's lines.")] = None,
    search: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Only lines containing this, any case.")
    ] = None,
) -> LogPage:
    query = LogQuery(offset=offset, limit=limit, step=step, search=search)
    return await logs.read_logs(session, execution, job=job, query=query)


@router.get("/executions/{execution_id}/logs/raw", response_class=Response)
async def download_log(
    execution: ExecutionAsViewer, session: SessionDep, db: DatabaseDep, job: str
) -> Response:
    """One job's whole log as plain text (a download)."""
    found = await logs.job_for_raw_log(session, execution, job)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{execution.id[:8]}-{found.key}.log")
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(
        logs.raw_log(db, found.id), media_type="text/plain; charset=utf-8", headers=headers
    )


@router.get("/executions/{execution_id}/tests")
async def read_tests(
    execution: ExecutionAsViewer,
    session: SessionDep,
    job: str | None = None,
    status: Annotated[Literal["passed", "failed", "skipped"] | None, Query()] = None,
) -> TestReport:
    """The test cases of the execution's JUnit reports, failures first, with their summary."""
    return await service.test_report(session, execution, job=job, status=status)


@router.get("/executions/{execution_id}/artifacts")
async def list_artifacts(execution: ExecutionAsViewer, session: SessionDep) -> list[ArtifactRead]:
    return [ArtifactRead.model_validate(a) for a in await service.list_artifacts(session, execution.id)]


@router.get("/executions/{execution_id}/artifacts/{artifact_id}", response_class=Response)
async def download_artifact(
    artifact_id: str, execution: ExecutionAsViewer, session: SessionDep, db: DatabaseDep
) -> Response:
    artifact = await service.get_artifact(session, execution.id, artifact_id)
    headers = {
        "Content-Disposition": attachment(artifact.path.rsplit("/", 1)[-1]),
        "Content-Length": str(artifact.size),
    }
    content = service.artifact_content(db, artifact.id)
    return StreamingResponse(content, media_type="application/octet-stream", headers=headers)


@router.post("/hooks/{provider}/{project_id}", status_code=status.HTTP_202_ACCEPTED)
async def receive_push(
    provider: Provider,
    project_id: str,
    request: Request,
    session: SessionDep,
    bus: BusDep,
    executor: ExecutorDep,
    cipher: CipherDep,
    mirrors: MirrorsDep,
) -> PushAccepted:
    started = await webhooks.receive_delivery(
        session=session,
        bus=bus,
        executor=executor,
        cipher=cipher,
        mirrors=mirrors,
        provider=provider,
        project_id=project_id,
        headers=request.headers,
        body=await request.body(),
    )
    return PushAccepted(execution_ids=started)
