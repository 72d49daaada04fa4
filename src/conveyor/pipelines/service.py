"""Pipeline definitions: create, change, delete, each announced with its event."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.principal import Principal
from conveyor.db import get_or_404, new_id, utcnow
from conveyor.errors import Conflict
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventType, PipelineData, PipelineDeletedData
from conveyor.events.schemas import Emission, emission
from conveyor.pipelines.models import Execution, Pipeline
from conveyor.pipelines.scheduler import next_run
from conveyor.pipelines.schemas import PipelineCreate, PipelineRead, PipelineUpdate
from conveyor.pipelines.spec import parse_definition
from conveyor.pipelines.state import TERMINAL
from conveyor.projects.models import Project


async def list_pipelines(session: AsyncSession, project_id: str) -> list[Pipeline]:
    statement = select(Pipeline).where(Pipeline.project_id == project_id).order_by(Pipeline.name)
    return list((await session.execute(statement)).scalars())


async def get_pipeline(session: AsyncSession, pipeline_id: str) -> Pipeline:
    return await get_or_404(session, Pipeline, pipeline_id, "pipeline")


async def create_pipeline(
    *, session: AsyncSession, bus: EventBus, project: Project, data: PipelineCreate, actor: Principal
) -> Pipeline:
    spec = parse_definition(data.definition)
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
    await bus.commit(session, pipeline_event(EventType.PIPELINE_CREATED, pipeline))
    return pipeline


async def update_pipeline(
    *, session: AsyncSession, bus: EventBus, pipeline: Pipeline, data: PipelineUpdate
) -> Pipeline:
    now = utcnow()
    if data.definition is not None:
        pipeline.next_run_at = next_run(parse_definition(data.definition), now)
        pipeline.definition = data.definition
    if data.name is not None:
        pipeline.name = data.name
    pipeline.updated_at = now
    await _flush_unique(session, pipeline.name)
    await bus.commit(session, pipeline_event(EventType.PIPELINE_UPDATED, pipeline))
    return pipeline


async def delete_pipeline(*, session: AsyncSession, bus: EventBus, pipeline: Pipeline) -> None:
    active = select(Execution.id).where(
        Execution.pipeline_id == pipeline.id, Execution.status.not_in(sorted(TERMINAL))
    )
    if (await session.execute(active.limit(1))).first() is not None:
        raise Conflict("the pipeline has executions in progress; cancel them first")
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
    data = PipelineData(pipelineId=pipeline.id, pipeline=PipelineRead.model_validate(pipeline).wire())
    return emission(event_type, data, project_id=pipeline.project_id)
