from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Response, status

from conveyor.api.deps import BusDep, CurrentPrincipal, MirrorsDep, SessionDep
from conveyor.executions import service as executions_service
from conveyor.pipelines import service, sources
from conveyor.pipelines.deps import PipelineAsMaintainer, PipelineAsViewer
from conveyor.pipelines.diagram import job_dag_mermaid
from conveyor.pipelines.schemas import (
    DefinitionCheckRead,
    DefinitionCheckRequest,
    PipelineCreate,
    PipelineGraph,
    PipelineInputsRead,
    PipelineRead,
    PipelineRevisionRead,
    PipelineSync,
    PipelineUpdate,
)
from conveyor.pipelines.spec.formats import parse_pipeline
from conveyor.projects.deps import ProjectAsMaintainer, ProjectAsViewer

router = APIRouter(tags=["pipelines"])


class DagFormat(StrEnum):
    MERMAID = "mermaid"
    JSON = "json"


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


@router.post("/projects/{project_id}/pipelines/validate")
async def validate_definition(body: DefinitionCheckRequest, project: ProjectAsViewer) -> DefinitionCheckRead:
    """Checks a definition without saving it: 200 with ``valid`` and every problem at its line and
    column (the dashboard's editor calls it as you type)."""
    return await service.check_definition(body.definition)


@router.post("/projects/{project_id}/pipelines/sync")
async def sync_repository(
    body: PipelineSync, project: ProjectAsMaintainer, session: SessionDep, bus: BusDep, mirrors: MirrorsDep
) -> list[PipelineRead]:
    """Read the repository's pipeline files at ``ref`` (default branch when absent): the
    pipelines they are, created or updated (pushes and runs do the same)."""
    pipelines = await sources.sync_repository(
        session=session, bus=bus, mirrors=mirrors, project=project, ref=body.ref
    )
    return [PipelineRead.model_validate(p) for p in pipelines]


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


@router.get(
    "/pipelines/{pipeline_id}/dag",
    response_model=PipelineGraph,
    responses={200: {"content": {"text/vnd.mermaid": {"schema": {"type": "string"}}}}},
)
async def job_dag(
    pipeline: PipelineAsViewer, format: DagFormat = DagFormat.MERMAID
) -> Response | PipelineGraph:
    """The jobs and their ``needs``: a Mermaid flowchart, or ``?format=json`` for the job graph."""
    if format is DagFormat.JSON:
        return await service.job_graph(pipeline)
    mermaid = job_dag_mermaid(parse_pipeline(pipeline.path, pipeline.definition))
    return Response(mermaid, media_type="text/vnd.mermaid; charset=utf-8")


@router.get("/pipelines/{pipeline_id}/inputs")
async def manual_inputs(pipeline: PipelineAsViewer) -> PipelineInputsRead:
    """Whether the pipeline runs by hand and the typed inputs such a run takes (the run form)."""
    return await service.manual_inputs(pipeline)


@router.get("/pipelines/{pipeline_id}/revisions")
async def list_revisions(pipeline: PipelineAsViewer, session: SessionDep) -> list[PipelineRevisionRead]:
    """The pipeline's history of changes: every saved version, newest first."""
    return await service.list_revisions(session, pipeline.id)


@router.delete("/pipelines/{pipeline_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_pipeline(pipeline: PipelineAsMaintainer, session: SessionDep, bus: BusDep) -> None:
    await executions_service.delete_pipeline(session=session, bus=bus, pipeline=pipeline)
