"""Reading the event log over HTTP, and describing the catalog."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.events import store
from conveyor.events.catalog import CATALOG
from conveyor.events.filters import EventFilter
from conveyor.events.schemas import EventPage


async def page_events(
    session: AsyncSession,
    viewer: store.Viewer,
    *,
    after_seq: int,
    filter: EventFilter,
    limit: int,
    latest: bool,
) -> EventPage:
    """One page of events the viewer may see, and the seq to continue after.

    The head is read first and bounds the page, so continuing after it never skips an event
    that committed while the page was read.
    """
    head = await store.last_seq(session)
    query = store.EventQuery(after_seq=after_seq, filter=filter, limit=limit, until_seq=head, latest=latest)
    records = await store.read(session, viewer, query)
    envelopes = [store.to_envelope(r) for r in records]
    complete = latest or len(envelopes) < limit
    next_after = max(head, after_seq) if complete else envelopes[-1].seq
    return EventPage(events=envelopes, next_after_seq=next_after, oldest_seq=await store.first_seq(session))


def describe_catalog() -> list[dict[str, Any]]:
    return [
        {
            "eventType": spec.event_type.value,
            "category": spec.category.value,
            "description": spec.description,
            "priorityRule": spec.priority_rule,
            "audiences": sorted(a.value for a in spec.audiences),
            "schema": spec.json_schema(),
        }
        for spec in CATALOG.values()
    ]
