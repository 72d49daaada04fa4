from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from conveyor.api.deps import CurrentViewer, SessionDep
from conveyor.events import service
from conveyor.events.asyncapi import build_document
from conveyor.events.filters import FilterChange
from conveyor.events.schemas import EventPage

router = APIRouter(prefix="/events", tags=["events"])


@router.get("")
async def list_events(
    viewer: CurrentViewer,
    session: SessionDep,
    after_seq: Annotated[int, Query(alias="afterSeq", ge=0)] = 0,
    category: Annotated[list[str] | None, Query()] = None,
    event_type: Annotated[list[str] | None, Query(alias="eventType")] = None,
    project_id: Annotated[list[str] | None, Query(alias="projectId")] = None,
    min_priority: Annotated[str | None, Query(alias="minPriority")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    latest: Annotated[bool, Query(description="the most recent `limit` events (still oldest first)")] = False,
) -> EventPage:
    change = FilterChange.parse(
        {
            k: v
            for k, v in {
                "categories": category,
                "eventTypes": event_type,
                "projectIds": project_id,
                "minPriority": min_priority,
            }.items()
            if v is not None
        }
    )
    return await service.page_events(
        session, viewer, after_seq=after_seq, filter=change.as_filter(), limit=limit, latest=latest
    )


@router.get("/catalog")
async def catalog() -> list[dict[str, Any]]:
    return service.describe_catalog()


@router.get("/asyncapi.json")
async def asyncapi() -> dict[str, Any]:
    return build_document()
