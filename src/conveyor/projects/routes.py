from __future__ import annotations

from fastapi import APIRouter, status

from conveyor.api.deps import BusDep, ContainerDep, CurrentPrincipal, SessionDep
from conveyor.auth.roles import Role
from conveyor.projects import service
from conveyor.projects.schemas import (
    MemberPut,
    MemberRead,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    SecretName,
    SecretPut,
    SecretRead,
)

router = APIRouter(tags=["projects"])


@router.get("/projects")
async def list_projects(principal: CurrentPrincipal, session: SessionDep) -> list[ProjectRead]:
    rows = await service.list_projects(session, principal)
    return [ProjectRead.model_validate(project).model_copy(update={"role": role}) for project, role in rows]


@router.post("/projects", status_code=status.HTTP_201_CREATED)
async def create_project(
    body: ProjectCreate, principal: CurrentPrincipal, session: SessionDep, bus: BusDep
) -> ProjectRead:
    project = await service.create_project(session=session, bus=bus, data=body, actor=principal)
    return ProjectRead.model_validate(project).model_copy(update={"role": Role.OWNER})


@router.get("/projects/{project_id}")
async def get_project(project_id: str, principal: CurrentPrincipal, session: SessionDep) -> ProjectRead:
    project = await service.require_project(session, principal, project_id)
    role = await service.role_in(session, principal, project_id)
    return ProjectRead.model_validate(project).model_copy(update={"role": role})


@router.patch("/projects/{project_id}")
async def update_project(
    project_id: str,
    body: ProjectUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
) -> ProjectRead:
    project = await service.require_project(session, principal, project_id, Role.MAINTAINER)
    updated = await service.update_project(
        session=session, bus=bus, project=project, data=body, actor=principal
    )
    return ProjectRead.model_validate(updated)


@router.delete("/projects/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_project(
    project_id: str, principal: CurrentPrincipal, session: SessionDep, bus: BusDep
) -> None:
    project = await service.require_project(session, principal, project_id, Role.OWNER)
    await service.delete_project(session=session, bus=bus, project=project, actor=principal)


@router.get("/projects/{project_id}/members")
async def list_members(project_id: str, principal: CurrentPrincipal, session: SessionDep) -> list[MemberRead]:
    await service.require_project(session, principal, project_id)
    rows = await service.list_members(session, project_id)
    return [MemberRead(user_id=m.user_id, username=name, role=Role(m.role)) for m, name in rows]


@router.put("/projects/{project_id}/members/{user_id}")
async def put_member(
    project_id: str,
    user_id: str,
    body: MemberPut,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
) -> MemberRead:
    project = await service.require_project(session, principal, project_id, Role.OWNER)
    member, username = await service.put_member(
        session=session, bus=bus, project=project, user_id=user_id, role=body.role, actor=principal
    )
    return MemberRead(user_id=member.user_id, username=username, role=Role(member.role))


@router.delete("/projects/{project_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    project_id: str, user_id: str, principal: CurrentPrincipal, session: SessionDep, bus: BusDep
) -> None:
    project = await service.require_project(session, principal, project_id, Role.OWNER)
    await service.remove_member(session=session, bus=bus, project=project, user_id=user_id, actor=principal)


@router.get("/projects/{project_id}/secrets")
async def list_secrets(project_id: str, principal: CurrentPrincipal, session: SessionDep) -> list[SecretRead]:
    await service.require_project(session, principal, project_id, Role.MAINTAINER)
    return [SecretRead.model_validate(s) for s in await service.list_secrets(session, project_id)]


@router.put("/projects/{project_id}/secrets/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def put_secret(
    project_id: str,
    name: SecretName,
    body: SecretPut,
    principal: CurrentPrincipal,
    session: SessionDep,
    container: ContainerDep,
) -> None:
    project = await service.require_project(session, principal, project_id, Role.MAINTAINER)
    await service.put_secret(
        session=session,
        cipher=container.cipher,
        project=project,
        name=name,
        value=body.value,
        actor=principal,
    )


@router.delete("/projects/{project_id}/secrets/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_secret(project_id: str, name: str, principal: CurrentPrincipal, session: SessionDep) -> None:
    project = await service.require_project(session, principal, project_id, Role.MAINTAINER)
    await service.delete_secret(session=session, project=project, name=name)
