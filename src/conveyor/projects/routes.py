from __future__ import annotations

from fastapi import APIRouter, status

from conveyor.api.deps import BusDep, CipherDep, CurrentPrincipal, RepoPolicyDep, SessionDep
from conveyor.auth.roles import Role
from conveyor.projects import access, service
from conveyor.projects.deps import ProjectAsMaintainer, ProjectAsOwner, ProjectAsViewer
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
    body: ProjectCreate, principal: CurrentPrincipal, session: SessionDep, bus: BusDep, repos: RepoPolicyDep
) -> ProjectRead:
    project = await service.create_project(session=session, bus=bus, data=body, actor=principal, repos=repos)
    return ProjectRead.model_validate(project).model_copy(update={"role": Role.OWNER})


@router.get("/projects/{project_id}")
async def get_project(
    project: ProjectAsViewer, principal: CurrentPrincipal, session: SessionDep
) -> ProjectRead:
    role = await access.role_in(session, principal, project.id)
    return ProjectRead.model_validate(project).model_copy(update={"role": role})


@router.patch("/projects/{project_id}")
async def update_project(
    body: ProjectUpdate,
    project: ProjectAsMaintainer,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
    repos: RepoPolicyDep,
) -> ProjectRead:
    updated = await service.update_project(
        session=session, bus=bus, project=project, data=body, actor=principal, repos=repos
    )
    return ProjectRead.model_validate(updated)


@router.delete("/projects/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_project(
    project: ProjectAsOwner, principal: CurrentPrincipal, session: SessionDep, bus: BusDep
) -> None:
    await service.delete_project(session=session, bus=bus, project=project, actor=principal)


@router.get("/projects/{project_id}/members")
async def list_members(project: ProjectAsViewer, session: SessionDep) -> list[MemberRead]:
    rows = await service.list_members(session, project.id)
    return [MemberRead(user_id=m.user_id, username=name, role=Role(m.role)) for m, name in rows]


@router.put("/projects/{project_id}/members/{user_id}")
async def put_member(
    user_id: str,
    body: MemberPut,
    project: ProjectAsOwner,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
) -> MemberRead:
    member, username = await service.put_member(
        session=session, bus=bus, project=project, user_id=user_id, role=body.role, actor=principal
    )
    return MemberRead(user_id=member.user_id, username=username, role=Role(member.role))


@router.delete("/projects/{project_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    user_id: str, project: ProjectAsOwner, principal: CurrentPrincipal, session: SessionDep, bus: BusDep
) -> None:
    await service.remove_member(session=session, bus=bus, project=project, user_id=user_id, actor=principal)


@router.get("/projects/{project_id}/secrets")
async def list_secrets(project: ProjectAsMaintainer, session: SessionDep) -> list[SecretRead]:
    return [SecretRead.model_validate(s) for s in await service.list_secrets(session, project.id)]


@router.put("/projects/{project_id}/secrets/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def put_secret(
    name: SecretName,
    body: SecretPut,
    project: ProjectAsMaintainer,
    principal: CurrentPrincipal,
    session: SessionDep,
    cipher: CipherDep,
) -> None:
    await service.put_secret(
        session=session,
        cipher=cipher,
        project=project,
        name=name,
        value=body.value,
        actor=principal,
    )


@router.delete("/projects/{project_id}/secrets/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_secret(name: str, project: ProjectAsMaintainer, session: SessionDep) -> None:
    await service.delete_secret(session=session, project=project, name=name)
