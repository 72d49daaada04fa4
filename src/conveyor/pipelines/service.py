"""Pipeline definitions: create, change, delete, each announced with its event."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.models import User
from conveyor.auth.principal import Principal
from conveyor.auth.roles import Role
from conveyor.db import get_or_404, new_id, utcnow
from conveyor.errors import Conflict
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventType, PipelineData, PipelineDeletedData
from conveyor.events.schemas import Emission, emission
from conveyor.pipelines import outline
from conveyor.pipelines.models import Pipeline, PipelineRevision, PipelineSource
from conveyor.pipelines.schemas import (
    DefinitionCheckRead,
    PipelineCreate,
    PipelineGraph,
    PipelineInputsRead,
    PipelineRead,
    PipelineRevisionRead,
    PipelineUpdate,
)
from conveyor.pipelines.spec import parse_definition
from conveyor.pipelines.spec.formats import parse_pipeline
from conveyor.pipelines.spec.schedule import next_run
from conveyor.projects.access import require_in_project
from conveyor.projects.models import Project


async def list_pipelines(session: AsyncSession, project_id: str) -> list[Pipeline]:
    statement = select(Pipeline).where(Pipeline.project_id == project_id).order_by(Pipeline.name)
    return list((await session.execute(statement)).scalars())


async def require_pipeline(
    session: AsyncSession, principal: Principal, pipeline_id: str, needed: Role = Role.VIEWER
) -> Pipeline:
    """The pipeline, if the principal holds ``needed`` in its project; 404 for non-members."""
    pipeline = await get_or_404(session, Pipeline, pipeline_id, "pipeline")
    await require_in_project(session, principal, pipeline.project_id, needed, what=f"pipeline {pipeline_id}")
    return pipeline


async def check_definition(text: str) -> DefinitionCheckRead:
    """Validates without saving: every problem at its line and column (editors call it as you type)."""
    return await asyncio.to_thread(outline.checked, text)


async def job_graph(pipeline: Pipeline) -> PipelineGraph:
    return outline.job_graph(await asyncio.to_thread(parse_pipeline, pipeline.path, pipeline.definition))


async def manual_inputs(pipeline: Pipeline) -> PipelineInputsRead:
    return outline.manual_inputs(await asyncio.to_thread(parse_pipeline, pipeline.path, pipeline.definition))


async def create_pipeline(
    *, session: AsyncSession, bus: EventBus, project: Project, data: PipelineCreate, actor: Principal
) -> Pipeline:
    spec = await asyncio.to_thread(parse_definition, data.definition)
    now = utcnow()
    pipeline = Pipeline(
        id=new_id(),
        project_id=project.id,
        name=data.name,
        definition=data.definition,
        next_run_at=next_run(spec, now),
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(pipeline)
    await _flush_unique(session, data.name)
    session.add(_revision(pipeline, 1, actor))
    await bus.commit(session, pipeline_event(EventType.PIPELINE_CREATED, pipeline))
    return pipeline


async def update_pipeline(
    *, session: AsyncSession, bus: EventBus, pipeline: Pipeline, data: PipelineUpdate, actor: Principal
) -> Pipeline:
    if pipeline.source == PipelineSource.REPOSITORY:
        raise Conflict(
            f"pipeline {pipeline.name} is the file {pipeline.path} of the repository: change the file"
        )
    before = (pipeline.name, pipeline.definition)
    now = utcnow()
    if data.definition is not None:
        spec = await asyncio.to_thread(parse_definition, data.definition)
        pipeline.next_run_at = next_run(spec, now)
        pipeline.definition = data.definition
    if data.name is not None:
        pipeline.name = data.name
    pipeline.updated_at = now
    await _flush_unique(session, pipeline.name)
    if (pipeline.name, pipeline.definition) != before:
        session.add(_revision(pipeline, await _last_revision(session, pipeline.id) + 1, actor))
    await bus.commit(session, pipeline_event(EventType.PIPELINE_UPDATED, pipeline))
    return pipeline


def _revision(pipeline: Pipeline, number: int, actor: Principal) -> PipelineRevision:
    return PipelineRevision(
        id=new_id(),
        pipeline_id=pipeline.id,
        number=number,
        name=pipeline.name,
        definition=pipeline.definition,
        author_id=actor.user_id,
        created_at=pipeline.updated_at,
    )


async def _last_revision(session: AsyncSession, pipeline_id: str) -> int:
    statement = select(func.coalesce(func.max(PipelineRevision.number), 0)).where(
        PipelineRevision.pipeline_id == pipeline_id
    )
    return int((await session.execute(statement)).scalar_one())


async def list_revisions(session: AsyncSession, pipeline_id: str) -> list[PipelineRevisionRead]:
    """Every saved version of the pipeline, newest first, with its author's name."""
    statement = (
        select(PipelineRevision, User.username)
        .outerjoin(User, User.id == PipelineRevision.author_id)
        .where(PipelineRevision.pipeline_id == pipeline_id)
        .order_by(PipelineRevision.number.desc())
    )
    return [
        PipelineRevisionRead(
            number=revision.number,
            name=revision.name,
            definition=revision.definition,
            author=author,
            created_at=revision.created_at,
        )
        for revision, author in (await session.execute(statement)).tuples()
    ]


async def delete_pipeline(*, session: AsyncSession, bus: EventBus, pipeline: Pipeline) -> None:
    """Delete the definition (its executions go with it) and announce it. Routes call
    ``executions.service.delete_pipeline``, which first refuses while an execution is in progress."""
    await session.delete(pipeline)
    data = PipelineDeletedData(pipelineId=pipeline.id)
    await bus.commit(session, emission(EventType.PIPELINE_DELETED, data, project_id=pipeline.project_id))


async def _flush_unique(session: AsyncSession, name: str) -> None:
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise Conflict(f"a pipeline named {name!r} exists in this project") from None


def pipeline_event(event_type: EventType, pipeline: Pipeline) -> Emission:
    data = PipelineData(pipelineId=pipeline.id, pipeline=PipelineRead.model_validate(pipeline))
    return emission(event_type, data, project_id=pipeline.project_id)
