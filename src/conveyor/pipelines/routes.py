from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from conveyor.api.deps import BusDep, ContainerDep, CurrentPrincipal, SessionDep
from conveyor.auth.roles import Role
from conveyor.pipelines import executions, service, webhooks
from conveyor.pipelines.access import require_execution, require_pipeline
from conveyor.pipelines.executions import Trigger
from conveyor.pipelines.executor import Executor
from conveyor.pipelines.schemas import (
    ArtifactRead,
    ExecutionAccepted,
    ExecutionCreate,
    ExecutionRead,
    LogPage,
    PipelineCreate,
    PipelineRead,
    PipelineUpdate,
    PushAccepted,
)
from conveyor.pipelines.state import read_execution
from conveyor.pipelines.webhooks import Provider
from conveyor.projects.service import require_project

router = APIRouter(tags=["pipelines"])


def get_executor(container: ContainerDep) -> Executor:
    return container.pipelines.executor


ExecutorDep = Annotated[Executor, Depends(get_executor)]


@router.get("/projects/{project_id}/pipelines")
async def list_pipelines(
    project_id: str, principal: CurrentPrincipal, session: SessionDep
) -> list[PipelineRead]:
    await require_project(session, principal, project_id)
    return [PipelineRead.model_validate(p) for p in await service.list_pipelines(session, project_id)]


@router.post("/projects/{project_id}/pipelines", status_code=status.HTTP_201_CREATED)
async def create_pipeline(
    project_id: str, body: PipelineCreate, principal: CurrentPrincipal, session: SessionDep, bus: BusDep
) -> PipelineRead:
    project = await require_project(session, principal, project_id, Role.MAINTAINER)
    pipeline = await service.create_pipeline(
        session=session, bus=bus, project=project, data=body, actor=principal
    )
    return PipelineRead.model_validate(pipeline)


@router.get("/pipelines/{pipeline_id}")
async def get_pipeline(pipeline_id: str, principal: CurrentPrincipal, session: SessionDep) -> PipelineRead:
    return PipelineRead.model_validate(await require_pipeline(session, principal, pipeline_id))


@router.put("/pipelines/{pipeline_id}")
async def update_pipeline(
    pipeline_id: str, body: PipelineUpdate, principal: CurrentPrincipal, session: SessionDep, bus: BusDep
) -> PipelineRead:
    pipeline = await require_pipeline(session, principal, pipeline_id, Role.MAINTAINER)
    return PipelineRead.model_validate(
        await service.update_pipeline(session=session, bus=bus, pipeline=pipeline, data=body)
    )


@router.delete("/pipelines/{pipeline_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_pipeline(
    pipeline_id: str, principal: CurrentPrincipal, session: SessionDep, bus: BusDep
) -> None:
    pipeline = await require_pipeline(session, principal, pipeline_id, Role.MAINTAINER)
    await service.delete_pipeline(session=session, bus=bus, pipeline=pipeline)


@router.post("/pipelines/{pipeline_id}/executions", status_code=status.HTTP_202_ACCEPTED)
async def start_execution(
    pipeline_id: str,
    body: ExecutionCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
    executor: ExecutorDep,
) -> ExecutionAccepted:
    pipeline = await require_pipeline(session, principal, pipeline_id, Role.MAINTAINER)
    execution = await executions.start_execution(
        session=session,
        bus=bus,
        executor=executor,
        pipeline=pipeline,
        actor_id=principal.user_id,
        trigger=Trigger.MANUAL,
        ref=body.ref,
    )
    return ExecutionAccepted(execution_id=execution.id)


@router.get("/pipelines/{pipeline_id}/executions")
async def list_executions(
    pipeline_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ExecutionRead]:
    await require_pipeline(session, principal, pipeline_id)
    rows = await executions.list_executions(session, pipeline_id, limit=limit)
    return [ExecutionRead.model_validate(e) for e in rows]


@router.get("/executions/{execution_id}")
async def get_execution(execution_id: str, principal: CurrentPrincipal, session: SessionDep) -> ExecutionRead:
    return await read_execution(session, await require_execution(session, principal, execution_id))


@router.post("/executions/{execution_id}/cancel", status_code=status.HTTP_202_ACCEPTED)
async def cancel_execution(
    execution_id: str, principal: CurrentPrincipal, session: SessionDep, bus: BusDep, executor: ExecutorDep
) -> ExecutionAccepted:
    execution = await require_execution(session, principal, execution_id, Role.MAINTAINER)
    await executions.cancel_execution(session=session, bus=bus, executor=executor, execution=execution)
    return ExecutionAccepted(execution_id=execution_id)


@router.post("/executions/{execution_id}/retry", status_code=status.HTTP_202_ACCEPTED)
async def retry_execution(
    execution_id: str, principal: CurrentPrincipal, session: SessionDep, bus: BusDep, executor: ExecutorDep
) -> ExecutionAccepted:
    execution = await require_execution(session, principal, execution_id, Role.MAINTAINER)
    await executions.retry_execution(
        session=session, bus=bus, executor=executor, execution=execution, actor_id=principal.user_id
    )
    return ExecutionAccepted(execution_id=execution_id)


@router.get("/executions/{execution_id}/logs")
async def read_logs(
    execution_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    job: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> LogPage:
    execution = await require_execution(session, principal, execution_id)
    return await executions.read_logs(session, execution, job=job, offset=offset, limit=limit)


@router.get("/executions/{execution_id}/artifacts")
async def list_artifacts(
    execution_id: str, principal: CurrentPrincipal, session: SessionDep
) -> list[ArtifactRead]:
    await require_execution(session, principal, execution_id)
    return [ArtifactRead.model_validate(a) for a in await executions.list_artifacts(session, execution_id)]


@router.get("/executions/{execution_id}/artifacts/{artifact_id}", response_class=Response)
async def download_artifact(
    execution_id: str,
    artifact_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    container: ContainerDep,
) -> Response:
    await require_execution(session, principal, execution_id)
    artifact = await executions.get_artifact(session, execution_id, artifact_id)
    filename = artifact.path.rsplit("/", 1)[-1].replace('"', "")
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Content-Length": str(artifact.size),
    }
    content = executions.artifact_content(container.db, artifact.id)
    return StreamingResponse(content, media_type="application/octet-stream", headers=headers)


@router.post("/hooks/{provider}/{project_id}", status_code=status.HTTP_202_ACCEPTED)
async def receive_push(
    provider: Provider,
    project_id: str,
    request: Request,
    session: SessionDep,
    bus: BusDep,
    executor: ExecutorDep,
    container: ContainerDep,
) -> PushAccepted:
    started = await webhooks.receive_push(
        session=session,
        bus=bus,
        executor=executor,
        cipher=container.cipher,
        provider=provider,
        project_id=project_id,
        headers=request.headers,
        body=await request.body(),
    )
    return PushAccepted(execution_ids=started)
