"""Route dependencies: the project of the path, once the caller is known to hold a role in it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from conveyor.api.deps import CurrentPrincipal, SessionDep
from conveyor.auth.roles import Role
from conveyor.projects.access import require_project
from conveyor.projects.models import Project


def project_with(needed: Role) -> Callable[..., Awaitable[Project]]:
    """A dependency on ``{project_id}``: the project if the caller holds ``needed`` in it."""

    async def project(project_id: str, principal: CurrentPrincipal, session: SessionDep) -> Project:
        return await require_project(session, principal, project_id, needed)

    return project


ProjectAsViewer = Annotated[Project, Depends(project_with(Role.VIEWER))]
ProjectAsMaintainer = Annotated[Project, Depends(project_with(Role.MAINTAINER))]
ProjectAsOwner = Annotated[Project, Depends(project_with(Role.OWNER))]
