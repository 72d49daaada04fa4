"""Who an event concerns: a run's actors, a project's members by role, the admins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.models import User
from conveyor.auth.roles import Role
from conveyor.executions.models import Execution
from conveyor.projects.access import members_with_role


async def members(session: AsyncSession, project_id: str, at_least: Role) -> list[str]:
    return await members_with_role(session, project_id, at_least)


async def admins(session: AsyncSession) -> list[str]:
    statement = select(User.id).where(User.is_admin.is_(True), User.is_active.is_(True))
    return sorted((await session.execute(statement)).scalars())


async def previous_run(session: AsyncSession, pipeline_id: str, number: int) -> Execution | None:
    statement = (
        select(Execution)
        .where(Execution.pipeline_id == pipeline_id, Execution.number < number)
        .order_by(Execution.number.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def email_of(session: AsyncSession, user_id: str) -> str | None:
    user = await session.get(User, user_id)
    return user.email if user is not None and user.is_active else None
