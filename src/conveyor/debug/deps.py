"""Route dependencies of the debug domain: a session, patch or project the caller may see or act on
(a stranger gets 404)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from conveyor.api.deps import CurrentPrincipal, SessionDep
from conveyor.auth.roles import Role
from conveyor.debug import apply, sessions
from conveyor.debug.models import DebugPatch, DebugSession


async def session_as_viewer(
    session_id: str, principal: CurrentPrincipal, session: SessionDep
) -> DebugSession:
    return await sessions.require_session(session, principal, session_id)


async def patch_as_maintainer(patch_id: str, principal: CurrentPrincipal, session: SessionDep) -> DebugPatch:
    return await apply.require_patch(session, principal, patch_id, Role.MAINTAINER)


async def project_id_as_viewer(
    project_id: Annotated[str, Query(alias="projectId")], principal: CurrentPrincipal, session: SessionDep
) -> str:
    """``?projectId=``, once the caller may see that project."""
    await sessions.require_project_role(session, principal, project_id, Role.VIEWER)
    return project_id


DebugSessionAsViewer = Annotated[DebugSession, Depends(session_as_viewer)]
PatchAsMaintainer = Annotated[DebugPatch, Depends(patch_as_maintainer)]
ProjectIdAsViewer = Annotated[str, Depends(project_id_as_viewer)]
