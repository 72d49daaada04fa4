"""The envelope every event travels in, and the draft a service hands to the bus."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from conveyor.basics import new_id
from conveyor.errors import InvalidInput
from conveyor.events.catalog import (
    Audience,
    EventCategory,
    EventData,
    EventPriority,
    EventSpec,
    EventType,
    spec_for,
)
from conveyor.schemas import ApiModel


class Envelope(BaseModel):
    """What clients receive, under the event type's name, for every event."""

    id: str
    seq: int
    event_type: str
    category: EventCategory
    priority: EventPriority
    timestamp: datetime
    project_id: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class Emission:
    """A validated event waiting for its transaction to commit."""

    spec: EventSpec
    data: dict[str, Any]
    priority: EventPriority
    project_id: str | None
    user_id: str | None

    @property
    def audience(self) -> Audience:
        return audience_of(project_id=self.project_id, user_id=self.user_id)


def event_row(seq: int, timestamp: datetime, item: Emission) -> dict[str, Any]:
    """The event log's row of an emission (an ``Envelope`` and its ``user_id``)."""
    return {
        "seq": seq,
        "id": new_id(),
        "event_type": item.spec.event_type.value,
        "category": item.spec.category.value,
        "priority": item.priority.value,
        "timestamp": timestamp,
        "project_id": item.project_id,
        "user_id": item.user_id,
        "data": item.data,
    }


def audience_of(*, project_id: str | None, user_id: str | None) -> Audience:
    if user_id is not None:
        return Audience.USER
    if project_id is not None:
        return Audience.PROJECT
    return Audience.GLOBAL


def emission(
    event_type: EventType,
    data: EventData | Mapping[str, Any],
    *,
    project_id: str | None = None,
    user_id: str | None = None,
) -> Emission:
    """Validate an event against the catalog; raise InvalidInput if it does not fit."""
    spec = spec_for(event_type)
    audience = audience_of(project_id=project_id, user_id=user_id)
    if audience not in spec.audiences:
        allowed = ", ".join(sorted(spec.audiences))
        raise InvalidInput(f"{event_type} is for audience {allowed}, not {audience}")
    try:
        model = data if isinstance(data, spec.data_model) else spec.data_model.model_validate(_raw(data))
    except ValidationError as exc:
        raise InvalidInput(f"{event_type} payload does not match the catalog: {exc}") from exc
    payload = model.model_dump(mode="json", by_alias=True)
    return Emission(spec, payload, spec.priority_for(payload), project_id, user_id)


def _raw(data: EventData | Mapping[str, Any]) -> dict[str, Any]:
    return data.model_dump(mode="json", by_alias=True) if isinstance(data, BaseModel) else dict(data)


class EventPage(ApiModel):
    events: list[Envelope]
    next_after_seq: int
    oldest_seq: int | None = Field(
        description="the oldest event retention left in the log: an afterSeq below it missed events"
    )
