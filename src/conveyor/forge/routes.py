from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from conveyor.api.deps import RepoPolicyDep, SessionDep
from conveyor.forge import service
from conveyor.forge.schemas import CommitStatusRead, ForgeLinkRead, ForgeLinkWrite
from conveyor.projects.deps import ProjectAsMaintainer, ProjectAsViewer

router = APIRouter(prefix="/projects/{project_id}/forge", tags=["forge"])


@router.get("")
async def get_forge_link(project: ProjectAsViewer, session: SessionDep) -> ForgeLinkRead:
    return await service.get_link(session, project.id)


@router.put("")
async def put_forge_link(
    body: ForgeLinkWrite, project: ProjectAsMaintainer, session: SessionDep, policy: RepoPolicyDep
) -> ForgeLinkRead:
    return await service.put_link(session=session, policy=policy, project_id=project.id, data=body)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
async def delete_forge_link(project: ProjectAsMaintainer, session: SessionDep) -> Response:
    await service.delete_link(session=session, project_id=project.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/statuses")
async def list_commit_statuses(
    project: ProjectAsViewer, session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[CommitStatusRead]:
    return await service.list_statuses(session, project.id, limit=limit)
