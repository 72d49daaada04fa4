from __future__ import annotations

from fastapi import APIRouter, Response, status

from conveyor.api.deps import BusDep, CurrentPrincipal, SessionDep
from conveyor.executions import service as executions_service
from conveyor.pipelines import service
from conveyor.pipelines.deps import PipelineAsMaintainer, PipelineAsViewer
from conveyor.pipelines.diagram import job_dag_mermaid
from conveyor.pipelines.schemas import PipelineCreate, PipelineRead, PipelineRevisionRead, PipelineUpdate
from conveyor.pipelines.spec import parse_definition
from conveyor.projects.deps import ProjectAsMaintainer, ProjectAsViewer

router = APIRouter(tags=["pipelines"])


@router.get("/projects/{project_id}/pipelines")
async def list_pipelines(project: ProjectAsViewer, session: SessionDep) -> list[PipelineRead]:
    return [PipelineRead.model_validate(p) for p in await service.list_pipelines(session, project.id)]


@router.post("/projects/{project_id}/pipelines", status_code=status.HTTP_201_CREATED)
async def create_pipeline(
    body: PipelineCreate,
    project: ProjectAsMaintainer,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
) -> PipelineRead:
    pipeline = await service.create_pipeline(
        session=session, bus=bus, project=project, data=body, actor=principal
    )
    return PipelineRead.model_validate(pipeline)


@router.get("/pipelines/{pipeline_id}")
async def get_pipeline(pipeline: PipelineAsViewer) -> PipelineRead:
    return PipelineRead.model_validate(pipeline)


@router.put("/pipelines/{pipeline_id}")
async def update_pipeline(
    body: PipelineUpdate,
    pipeline: PipelineAsMaintainer,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
) -> PipelineRead:
    return PipelineRead.model_validate(
        await service.update_pipeline(session=session, bus=bus, pipeline=pipeline, data=body, actor=principal)
    )


@router.get("/pipelines/{pipeline_id}/dag")
async def job_dag(pipeline: PipelineAsViewer) -> Response:
    """The jobs and their ``needs`` as a Mermaid flowchart."""
    mermaid = job_dag_mermaid(parse_definition(pipeline.definition))
    return Response(mermaid, media_type="text/vnd.mermaid; charset=utf-8")


@router.get("/pipelines/{pipeline_id}/revisions")
async def list_revisions(pipeline: PipelineAsViewer, session: SessionDep) -> list[PipelineRevisionRead]:
    """The pipeline's history of changes: every saved version, newest first."""
    return await service.list_revisions(session, pipeline.id)


@router.delete("/pipelines/{pipeline_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_pipeline(pipeline: PipelineAsMaintainer, session: SessionDep, bus: BusDep) -> None:
    await executions_service.delete_pipeline(session=session, bus=bus, pipeline=pipeline)
