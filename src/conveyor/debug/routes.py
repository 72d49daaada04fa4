from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from conveyor.api.deps import BusDep, CurrentPrincipal, ExecutorDep, SessionDep, SettingsDep
from conveyor.debug import service
from conveyor.debug.deps import DebugSessionAsViewer, PatchAsMaintainer, ProjectIdAsViewer
from conveyor.debug.schemas import (
    ClassificationResult,
    DebugSessionRead,
    FlakyJobRead,
    PatchRead,
    SessionCreate,
)

router = APIRouter(prefix="/debug", tags=["debug"])


class ClassifyRequest(BaseModel):
    log: str


@router.post("/classify")
async def classify(body: ClassifyRequest, _: CurrentPrincipal) -> ClassificationResult:
    return await service.classify(body.log)


@router.post("/sessions", status_code=status.HTTP_201_CREATED)
async def open_session(
    body: SessionCreate, principal: CurrentPrincipal, session: SessionDep, bus: BusDep, settings: SettingsDep
) -> DebugSessionRead:
    return await service.open_session(
        session=session, bus=bus, settings=settings, principal=principal, data=body
    )


@router.get("/sessions")
async def list_sessions(
    principal: CurrentPrincipal,
    session: SessionDep,
    project_id: Annotated[str | None, Query(alias="projectId")] = None,
    execution_id: Annotated[str | None, Query(alias="executionId")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DebugSessionRead]:
    return await service.list_sessions(
        session=session, principal=principal, project_id=project_id, execution_id=execution_id, limit=limit
    )


@router.get("/sessions/{session_id}")
async def get_session(debug: DebugSessionAsViewer, session: SessionDep) -> DebugSessionRead:
    return await service.get_session(session=session, debug=debug)


@router.post("/patches/{patch_id}/apply")
async def apply_patch(
    patch: PatchAsMaintainer,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
    executor: ExecutorDep,
) -> PatchRead:
    return await service.apply_patch(
        session=session, bus=bus, executor=executor, principal=principal, patch=patch
    )


@router.post("/patches/{patch_id}/rollback")
async def rollback_patch(
    patch: PatchAsMaintainer, principal: CurrentPrincipal, session: SessionDep, bus: BusDep
) -> PatchRead:
    return await service.rollback_patch(session=session, bus=bus, principal=principal, patch=patch)


@router.get("/flaky")
async def flaky_jobs(
    project_id: ProjectIdAsViewer, session: SessionDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[FlakyJobRead]:
    return await service.flaky_jobs(session=session, project_id=project_id, limit=limit)
