"""Who may do what in a project: membership roles, and the checks every domain's reads and writes
go through (a stranger gets 404, never 403, so ids cannot be probed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.models import User
from conveyor.auth.principal import Access, Principal
from conveyor.auth.roles import Role
from conveyor.errors import Forbidden, NotFound, Unauthorized
from conveyor.projects.models import Project, ProjectMember


async def role_in(session: AsyncSession, principal: Principal, project_id: str) -> Role | None:
    member = await session.get(ProjectMember, (project_id, principal.user_id))
    return Role(member.role) if member else None


async def require_project(
    session: AsyncSession, principal: Principal, project_id: str, needed: Role = Role.VIEWER
) -> Project:
    """The project if the principal holds at least ``needed`` in it (admins hold every role).

    Non-members get 404, not 403, so project ids cannot be probed.
    """
    project = await session.get(Project, project_id)
    role = await role_in(session, principal, project_id) if project else None
    if project is None or (role is None and not principal.is_admin):
        raise NotFound(f"project {project_id} not found")
    if not principal.is_admin and not (role and role.allows(needed)):
        raise Forbidden(f"this needs the {needed} role in project {project.name}")
    return project


async def require_in_project(
    session: AsyncSession, principal: Principal, project_id: str, needed: Role, *, what: str
) -> None:
    """As ``require_project`` for something that belongs to the project; a stranger's 404 names
    ``what`` (``pipeline <id>``), not the project."""
    try:
        await require_project(session, principal, project_id, needed)
    except NotFound:
        raise NotFound(f"{what} not found") from None


async def members_with_role(session: AsyncSession, project_id: str, at_least: Role) -> list[str]:
    """The ids of the project's members holding ``at_least`` (or a higher role)."""
    statement = select(ProjectMember.user_id, ProjectMember.role).where(
        ProjectMember.project_id == project_id
    )
    rows = (await session.execute(statement)).tuples()
    return sorted(user_id for user_id, role in rows if Role(role).allows(at_least))


async def load_access(session: AsyncSession, user_id: str) -> Access:
    """The user's standing right now: admin flag and role in each project."""
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthorized("unknown or disabled user")
    rows = await session.execute(
        select(ProjectMember.project_id, ProjectMember.role).where(ProjectMember.user_id == user_id)
    )
    return Access(user.id, user.is_admin, {pid: Role(role) for pid, role in rows.tuples()})
