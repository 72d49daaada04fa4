"""Who may see or change a pipeline or an execution: the role their project requires."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.principal import Principal
from conveyor.auth.roles import Role
from conveyor.db import get_or_404
from conveyor.errors import NotFound
from conveyor.pipelines.models import Execution, Pipeline
from conveyor.projects.service import require_project


async def require_pipeline(
    session: AsyncSession, principal: Principal, pipeline_id: str, needed: Role = Role.VIEWER
) -> Pipeline:
    """The pipeline, if the principal holds ``needed`` in its project; 404 for non-members."""
    pipeline = await get_or_404(session, Pipeline, pipeline_id, "pipeline")
    await _require(session, principal, pipeline.project_id, needed, f"pipeline {pipeline_id}")
    return pipeline


async def require_execution(
    session: AsyncSession, principal: Principal, execution_id: str, needed: Role = Role.VIEWER
) -> Execution:
    execution = await get_or_404(session, Execution, execution_id, "execution")
    await _require(session, principal, execution.project_id, needed, f"execution {execution_id}")
    return execution


async def _require(
    session: AsyncSession, principal: Principal, project_id: str, needed: Role, what: str
) -> None:
    try:
        await require_project(session, principal, project_id, needed)
    except NotFound:
        raise NotFound(f"{what} not found") from None
