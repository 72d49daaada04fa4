from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from conveyor.api.deps import RepoPolicyDep, SessionDep
from conveyor.forge import service
from conveyor.forge.badges import CACHE_SECONDS
from conveyor.forge.badges import pipeline_badge as pipeline_badge_of
from conveyor.forge.deps import OptionalReader
from conveyor.forge.schemas import CommitStatusRead, ForgeLinkRead, ForgeLinkWrite
from conveyor.projects.deps import ProjectAsMaintainer, ProjectAsViewer

router = APIRouter(prefix="/projects/{project_id}/forge", tags=["forge"])


@router.get("")
async def get_forge_link(project: ProjectAsViewer, session: SessionDep) -> ForgeLinkRead | None:
    """The link, or null when the project has none."""
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


badges_router = APIRouter(tags=["forge"])


@badges_router.get(
    "/pipelines/{pipeline_id}/badge.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "a shields-style SVG badge"}},
)
async def pipeline_badge(
    pipeline_id: str,
    reader: OptionalReader,
    session: SessionDep,
    branch: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
) -> Response:
    """The status of the pipeline's latest finished run on ``branch``: public when the project's
    ``publicBadges`` is on, else for its members (a bearer token)."""
    badge = await pipeline_badge_of(session, reader, pipeline_id, branch)
    headers = {
        "Cache-Control": f"{'public' if badge.public else 'private'}, max-age={CACHE_SECONDS}",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(badge.svg, media_type="image/svg+xml", headers=headers)
