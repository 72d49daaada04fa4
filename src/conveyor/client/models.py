"""Events as the client sees them, and the selection a reader asks for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeGuard

from conveyor.errors import InvalidInput
from conveyor.events.filters import EventFilter, FilterChange


@dataclass(frozen=True)
class Event:
    """One event envelope: ``{id, seq, event_type, category, priority, timestamp, project_id, data}``."""

    id: str
    seq: int
    event_type: str
    category: str
    priority: str
    timestamp: datetime
    project_id: str | None
    data: dict[str, Any]
    envelope: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any]) -> Event:
        return cls(
            id=str(envelope["id"]),
            seq=int(envelope["seq"]),
            event_type=str(envelope["event_type"]),
            category=str(envelope["category"]),
            priority=str(envelope["priority"]),
            timestamp=datetime.fromisoformat(str(envelope["timestamp"])),
            project_id=envelope.get("project_id"),
            data=dict(envelope.get("data") or {}),
            envelope=dict(envelope),
        )


def is_envelope(payload: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(payload, dict) and isinstance(payload.get("seq"), int) and "event_type" in payload


@dataclass(frozen=True)
class EventPage:
    """One page of ``GET /api/v1/events``; continue with ``after_seq=next_after_seq``."""

    events: list[Event]
    next_after_seq: int
    oldest_seq: int | None = None  # the oldest event the server's retention kept


@dataclass(frozen=True)
class EventSelection:
    """Which events to receive; ``None`` means any. Validated like the server validates it."""

    categories: Sequence[str] | None = None
    event_types: Sequence[str] | None = None
    project_ids: Sequence[str] | None = None
    min_priority: str | None = None
    _filter: EventFilter = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            change = FilterChange.parse(self.subscription() or {})
        except InvalidInput as exc:
            raise ValueError(exc.detail) from None
        object.__setattr__(self, "_filter", change.as_filter())

    def subscription(self) -> dict[str, Any] | None:
        """The ``subscribe`` payload (camelCase), or ``None`` when everything is selected."""
        named = {
            "categories": _listed(self.categories),
            "eventTypes": _listed(self.event_types),
            "projectIds": _listed(self.project_ids),
            "minPriority": self.min_priority,
        }
        payload = {key: value for key, value in named.items() if value is not None}
        return payload or None

    def query_params(self) -> dict[str, Any]:
        """The same selection as ``GET /api/v1/events`` query parameters."""
        wanted = self.subscription() or {}
        names = {"categories": "category", "eventTypes": "eventType", "projectIds": "projectId"}
        return {names.get(key, key): value for key, value in wanted.items()}

    def matches(self, envelope: Mapping[str, Any]) -> bool:
        return self._filter.matches(envelope)


def _listed(values: Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [values] if isinstance(values, str) else list(values)
