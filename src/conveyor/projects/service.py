"""Projects, their members and roles, and their encrypted secrets (who may act: ``access``)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.models import User
from conveyor.auth.principal import Principal
from conveyor.auth.roles import Role
from conveyor.db import get_or_404, new_id, utcnow
from conveyor.errors import Conflict, NotFound
from conveyor.events.bus import EventBus
from conveyor.notifications.schemas import ActivityKind
from conveyor.notifications.service import activity, notify
from conveyor.projects.models import Project, ProjectMember, ProjectSecret
from conveyor.projects.repos import RepoPolicy, check_repo_url
from conveyor.projects.repository import check_repository
from conveyor.projects.schemas import ProjectCreate, ProjectUpdate
from conveyor.projects.secrets import SecretCipher


async def list_projects(session: AsyncSession, principal: Principal) -> list[tuple[Project, Role | None]]:
    roles = ProjectMember.role.label("role")
    statement = select(Project, roles).outerjoin(
        ProjectMember,
        (ProjectMember.project_id == Project.id) & (ProjectMember.user_id == principal.user_id),
    )
    if not principal.is_admin:
        statement = statement.where(ProjectMember.user_id.is_not(None))
    rows = await session.execute(statement.order_by(Project.name))
    return [(project, Role(role) if role else None) for project, role in rows.tuples()]


async def create_project(
    *, session: AsyncSession, bus: EventBus, data: ProjectCreate, actor: Principal, repos: RepoPolicy
) -> Project:
    if data.repo_url:
        await check_repo_url(data.repo_url, repos)
        await check_repository(data.repo_url, data.default_branch)
    project = Project(id=new_id(), created_by=actor.user_id, **data.model_dump())
    session.add(project)
    session.add(ProjectMember(project_id=project.id, user_id=actor.user_id, role=Role.OWNER.value))
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise Conflict(f"a project named {data.name!r} exists") from None
    event = activity(
        actor.user_id, ActivityKind.PROJECT_CREATED, f"Created project {project.name}", projectId=project.id
    )
    await bus.commit(session, event, access_changed_for=[actor.user_id])
    return project


async def update_project(
    *,
    session: AsyncSession,
    bus: EventBus,
    project: Project,
    data: ProjectUpdate,
    actor: Principal,
    repos: RepoPolicy,
) -> Project:
    changes = data.model_dump(exclude_unset=True)
    repo_url = changes.get("repo_url", project.repo_url)
    branch = changes.get("default_branch") or project.default_branch
    if repo_url and (repo_url, branch) != (project.repo_url, project.default_branch):
        await check_repo_url(repo_url, repos)  # before anything contacts it
        await check_repository(repo_url, branch)
    for field, value in changes.items():
        if value is not None or field == "repo_url":
            setattr(project, field, value)
    event = activity(
        actor.user_id, ActivityKind.PROJECT_UPDATED, f"Updated project {project.name}", projectId=project.id
    )
    await bus.commit(session, event)
    return project


async def delete_project(*, session: AsyncSession, bus: EventBus, project: Project, actor: Principal) -> None:
    members = await _member_ids(session, project.id)
    await session.delete(project)
    event = activity(
        actor.user_id, ActivityKind.PROJECT_DELETED, f"Deleted project {project.name}", projectId=project.id
    )
    await bus.commit(session, event, access_changed_for=members)


async def list_members(session: AsyncSession, project_id: str) -> list[tuple[ProjectMember, str]]:
    statement = (
        select(ProjectMember, User.username)
        .join(User, User.id == ProjectMember.user_id)
        .where(ProjectMember.project_id == project_id)
        .order_by(User.username)
    )
    return list((await session.execute(statement)).tuples())


async def put_member(
    *,
    session: AsyncSession,
    bus: EventBus,
    project: Project,
    user_id: str,
    role: Role,
    actor: Principal,
) -> tuple[ProjectMember, str]:
    user = await get_or_404(session, User, user_id, "user")
    member = await session.get(ProjectMember, (project.id, user_id))
    if member is not None and member.role == Role.OWNER and role != Role.OWNER:
        await _keep_an_owner(session, project.id, leaving=user_id)
    if member is None:
        member = ProjectMember(project_id=project.id, user_id=user_id, role=role.value, added_at=utcnow())
        session.add(member)
    member.role = role.value
    note = notify(
        session,
        user_id=user_id,
        kind="membership",
        title=f"You are now {role} of {project.name}",
        body=f"{actor.username} gave you the {role} role in project {project.name}.",
        project_id=project.id,
    )
    event = activity(
        actor.user_id,
        ActivityKind.MEMBER_CHANGED,
        f"Gave {user.username} the {role} role in {project.name}",
        projectId=project.id,
        memberId=user_id,
    )
    await bus.commit(session, note, event, access_changed_for=[user_id])
    return member, user.username


async def remove_member(
    *, session: AsyncSession, bus: EventBus, project: Project, user_id: str, actor: Principal
) -> None:
    member = await session.get(ProjectMember, (project.id, user_id))
    if member is None:
        raise NotFound(f"user {user_id} is not a member of {project.name}")
    if member.role == Role.OWNER:
        await _keep_an_owner(session, project.id, leaving=user_id)
    await session.delete(member)
    note = notify(
        session,
        user_id=user_id,
        kind="membership",
        title=f"You were removed from {project.name}",
        body=f"{actor.username} removed you from project {project.name}.",
    )
    event = activity(
        actor.user_id,
        ActivityKind.MEMBER_REMOVED,
        f"Removed a member from {project.name}",
        projectId=project.id,
        memberId=user_id,
    )
    await bus.commit(session, note, event, access_changed_for=[user_id])


async def _keep_an_owner(session: AsyncSession, project_id: str, *, leaving: str) -> None:
    statement = select(ProjectMember.user_id).where(
        ProjectMember.project_id == project_id,
        ProjectMember.role == Role.OWNER.value,
        ProjectMember.user_id != leaving,
    )
    if (await session.execute(statement.limit(1))).first() is None:
        raise Conflict("a project must keep at least one owner")


async def _member_ids(session: AsyncSession, project_id: str) -> list[str]:
    statement = select(ProjectMember.user_id).where(ProjectMember.project_id == project_id)
    return list((await session.execute(statement)).scalars())


async def put_secret(
    *,
    session: AsyncSession,
    cipher: SecretCipher,
    project: Project,
    name: str,
    value: str,
    actor: Principal,
) -> ProjectSecret:
    statement = select(ProjectSecret).where(
        ProjectSecret.project_id == project.id, ProjectSecret.name == name
    )
    secret = (await session.execute(statement)).scalar_one_or_none()
    if secret is None:
        secret = ProjectSecret(id=new_id(), project_id=project.id, name=name)
        session.add(secret)
    secret.ciphertext = cipher.encrypt(value)
    secret.updated_at = utcnow()
    secret.updated_by = actor.user_id
    await session.commit()
    return secret


async def list_secrets(session: AsyncSession, project_id: str) -> list[ProjectSecret]:
    statement = (
        select(ProjectSecret).where(ProjectSecret.project_id == project_id).order_by(ProjectSecret.name)
    )
    return list((await session.execute(statement)).scalars())


async def delete_secret(*, session: AsyncSession, project: Project, name: str) -> None:
    result = await session.execute(
        delete(ProjectSecret).where(ProjectSecret.project_id == project.id, ProjectSecret.name == name)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"secret {name} not found")
    await session.commit()


async def secret_values(session: AsyncSession, cipher: SecretCipher, project_id: str) -> dict[str, str]:
    """Decrypted secrets for injection into jobs; never returned over the API."""
    return {s.name: cipher.decrypt(s.ciphertext) for s in await list_secrets(session, project_id)}
