from __future__ import annotations

from typing import Any

import pytest

from conveyor.errors import InvalidInput
from conveyor.events.filters import EventFilter, FilterChange


def envelope(**overrides: Any) -> dict[str, Any]:
    base = {"category": "PIPELINE", "event_type": "pipeline_created", "project_id": "p1", "priority": "LOW"}
    return {**base, **overrides}


def test_default_filter_lets_everything_through() -> None:
    assert EventFilter().matches(envelope())


def test_subscribe_narrows_and_adds() -> None:
    narrowed = EventFilter().subscribed(FilterChange.parse({"categories": ["SECURITY"]}))
    assert not narrowed.matches(envelope())
    widened = narrowed.subscribed(FilterChange.parse({"categories": "pipeline"}))
    assert widened.matches(envelope())


def test_min_priority() -> None:
    high_only = FilterChange.parse({"minPriority": "high"}).as_filter()
    assert not high_only.matches(envelope(priority="MEDIUM"))
    assert high_only.matches(envelope(priority="HIGH"))


def test_unsubscribing_the_last_value_leaves_nothing_and_empty_resets() -> None:
    only_p1 = FilterChange.parse({"projectIds": ["p1"]}).as_filter()
    nothing = only_p1.unsubscribed(FilterChange.parse({"projectIds": ["p1"]}))
    assert not nothing.matches(envelope())
    assert nothing.unsubscribed(FilterChange.parse({})).matches(envelope())


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"categories": ["WEATHER"]}, "unknown category"),
        ({"eventTypes": ["pipeline_exploded"]}, "unknown event type"),
        ({"minPriority": "URGENT"}, "unknown priority"),
        ({"projectIds": [1, 2]}, "list of strings"),
        ({"colour": "red"}, "unknown filter field"),
    ],
)
def test_bad_filters_are_named(payload: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        FilterChange.parse(payload)
