from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from conveyor.api.deps import BusDep, SessionDep
from conveyor.architecture import service
from conveyor.architecture.deps import DiagramAsViewer
from conveyor.architecture.schemas import AnalyseRequest, ArchitectureSettings, DiagramFormat, DiagramRead
from conveyor.projects.deps import ProjectAsMaintainer, ProjectAsViewer

router = APIRouter(tags=["architecture"])


@router.post("/projects/{project_id}/architecture", status_code=status.HTTP_201_CREATED)
async def analyse(
    body: AnalyseRequest, project: ProjectAsMaintainer, session: SessionDep, bus: BusDep
) -> DiagramRead:
    return await service.analyse_project(
        session=session, bus=bus, project=project, ref=body.ref, depth=body.depth
    )


@router.get("/projects/{project_id}/architecture/diagrams")
async def list_diagrams(
    project: ProjectAsViewer, session: SessionDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[DiagramRead]:
    return await service.list_diagrams(session, project.id, limit)


@router.get("/projects/{project_id}/architecture/settings")
async def get_settings(project: ProjectAsViewer, session: SessionDep) -> ArchitectureSettings:
    return await service.get_settings(session, project.id)


@router.put("/projects/{project_id}/architecture/settings")
async def put_settings(
    body: ArchitectureSettings, project: ProjectAsMaintainer, session: SessionDep
) -> ArchitectureSettings:
    return await service.put_settings(session=session, project_id=project.id, data=body)


@router.get("/architecture/diagrams/{diagram_id}")
async def get_diagram(diagram: DiagramAsViewer, format: DiagramFormat = DiagramFormat.JSON) -> Response:
    media_type, body = service.export(diagram, format)
    if isinstance(body, dict):
        return JSONResponse(body)
    return Response(body, media_type=media_type)
