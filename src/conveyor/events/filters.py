"""What a reader wants to see: one filter used both for live delivery and for the event log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from conveyor.errors import InvalidInput
from conveyor.events.catalog import EventCategory, EventPriority, EventType


@dataclass(frozen=True)
class EventFilter:
    """``None`` means "any"; an empty set means "none"; ``min_priority`` LOW lets all through."""

    categories: frozenset[str] | None = None
    event_types: frozenset[str] | None = None
    project_ids: frozenset[str] | None = None
    min_priority: EventPriority = EventPriority.LOW

    @property
    def allowed_priorities(self) -> list[str]:
        return [p.value for p in EventPriority if p.rank >= self.min_priority.rank]

    def matches(self, envelope: Mapping[str, Any]) -> bool:
        if self.categories is not None and envelope["category"] not in self.categories:
            return False
        if self.event_types is not None and envelope["event_type"] not in self.event_types:
            return False
        if self.project_ids is not None and envelope["project_id"] not in self.project_ids:
            return False
        return EventPriority(envelope["priority"]).rank >= self.min_priority.rank

    def subscribed(self, change: FilterChange) -> EventFilter:
        """Narrow to the given values, added to those already subscribed."""
        return replace(
            self,
            categories=_union(self.categories, change.categories),
            event_types=_union(self.event_types, change.event_types),
            project_ids=_union(self.project_ids, change.project_ids),
            min_priority=change.min_priority or self.min_priority,
        )

    def unsubscribed(self, change: FilterChange) -> EventFilter:
        """Drop the given values; a change naming nothing resets to the whole stream."""
        if change.is_empty:
            return EventFilter()
        return replace(
            self,
            categories=_difference(self.categories, change.categories),
            event_types=_difference(self.event_types, change.event_types),
            project_ids=_difference(self.project_ids, change.project_ids),
            min_priority=EventPriority.LOW if change.min_priority else self.min_priority,
        )

    def describe(self) -> dict[str, Any]:
        return {
            "categories": _listed(self.categories),
            "eventTypes": _listed(self.event_types),
            "projectIds": _listed(self.project_ids),
            "minPriority": self.min_priority.value,
        }


@dataclass(frozen=True)
class FilterChange:
    """A subscribe/unsubscribe request: ``None`` where the client named nothing."""

    categories: frozenset[str] | None = None
    event_types: frozenset[str] | None = None
    project_ids: frozenset[str] | None = None
    min_priority: EventPriority | None = None

    @property
    def is_empty(self) -> bool:
        return self == FilterChange()

    @classmethod
    def parse(cls, payload: Mapping[str, Any]) -> FilterChange:
        """Validate client input (camelCase keys), naming the first unknown key or value."""
        unknown = set(payload) - {"categories", "eventTypes", "projectIds", "minPriority"}
        if unknown:
            raise InvalidInput(f"unknown filter field(s): {sorted(unknown)}")
        priority = payload.get("minPriority")
        return cls(
            categories=_known(payload.get("categories"), EventCategory, "category", str.upper),
            event_types=_known(payload.get("eventTypes"), EventType, "event type", str.lower),
            project_ids=_strings(payload.get("projectIds"), "projectIds"),
            min_priority=None if priority is None else _priority(priority),
        )

    def as_filter(self) -> EventFilter:
        return EventFilter().subscribed(self)


def _known(values: Any, enum: Any, what: str, normalize: Callable[[str], str]) -> frozenset[str] | None:
    names = _strings(values, what)
    if names is None:
        return None
    allowed = {member.value for member in enum}
    normalized = {normalize(name) for name in names}
    for name in sorted(normalized - allowed):
        raise InvalidInput(f"unknown {what} {name!r}; expected one of {sorted(allowed)}")
    return frozenset(normalized)


def _strings(values: Any, what: str) -> frozenset[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple) or not all(
        isinstance(v, str) and "\x00" not in v for v in values
    ):
        raise InvalidInput(f"{what} must be a string or a list of strings (without NUL characters)")
    return frozenset(values)


def _plain_text(value: Any) -> bool:
    return isinstance(value, str) and "\x00" not in value


def _priority(value: Any) -> EventPriority:
    if not isinstance(value, str) or value.upper() not in EventPriority.__members__:
        raise InvalidInput(f"unknown priority {value!r}; expected HIGH, MEDIUM or LOW")
    return EventPriority(value.upper())


def _union(current: frozenset[str] | None, added: frozenset[str] | None) -> frozenset[str] | None:
    if added is None:
        return current
    return added if current is None else current | added


def _difference(current: frozenset[str] | None, removed: frozenset[str] | None) -> frozenset[str] | None:
    if removed is None or current is None:
        return current
    return current - removed


def _listed(values: frozenset[str] | None) -> list[str] | None:
    return None if values is None else sorted(values)
