"""Reading the event log over HTTP, and describing the catalog."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.events import store
from conveyor.events.catalog import CATALOG
from conveyor.events.schemas import EventPage


async def page_events(session: AsyncSession, viewer: store.Viewer, query: store.EventQuery) -> EventPage:
    """One page of events the viewer may see, and the seq to continue after.

    The head is read first and bounds the page, so continuing after it never skips an event
    that committed while the page was read.
    """
    head = await store.last_seq(session)
    records = await store.read(session, viewer, replace(query, until_seq=head))
    envelopes = [store.to_envelope(r) for r in records]
    complete = query.latest or len(envelopes) < query.limit
    next_after = max(head, query.after_seq) if complete else envelopes[-1].seq
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
