"""Producing events directly through a node's bus, for tests of delivery and authorization."""

from __future__ import annotations

from conveyor.db import new_id
from conveyor.events.catalog import EventType, PipelineDeletedData
from conveyor.events.schemas import Envelope, emission
from tests.support.server import RunningServer


async def project_event(server: RunningServer, project_id: str) -> Envelope:
    """Commit a project-scoped event (a ``pipeline_deleted``) and publish it."""
    item = emission(
        EventType.PIPELINE_DELETED, PipelineDeletedData(pipelineId=new_id()), project_id=project_id
    )
    async with server.container.db.write_session() as session:
        [envelope] = await server.container.bus.commit(session, item)
    return envelope
