"""The sequencer's recent events: bounded, each encoded once, and never mistaken for another."""

from __future__ import annotations

from datetime import UTC, datetime

from conveyor.events.models import EventRecord
from conveyor.events.realtime.sequencer import RecentEvents


def record(seq: int, event_id: str | None = None) -> EventRecord:
    return EventRecord(
        seq=seq,
        id=event_id or f"event-{seq}",
        event_type="system_alert",
        category="SYSTEM",
        priority="LOW",
        timestamp=datetime(2026, 12, 1, tzinfo=UTC),
        project_id=None,
        user_id=None,
        data={"alert": {"title": f"alert {seq}"}},
    )


def test_a_record_read_again_gets_the_same_encoded_event() -> None:
    recent = RecentEvents(4)
    event = recent.of_record(record(1))
    assert recent.of_record(record(1)) is event
    assert event.packet is recent.of_record(record(1)).packet
    assert event.envelope["seq"] == 1 and event.envelope["data"]["alert"]["title"] == "alert 1"


def test_live_events_are_kept_for_replays_of_the_same_event() -> None:
    recent = RecentEvents(4)
    live = recent.add({"seq": 7, "id": "event-7", "event_type": "system_alert"})
    assert recent.of_record(record(7)) is live
    assert recent.of_record(record(7, "a-later-log-reusing-seq-7")) is not live


def test_it_keeps_only_the_last_used_ones() -> None:
    recent = RecentEvents(3)
    events = [recent.of_record(record(seq)) for seq in range(1, 5)]
    assert len(recent) == 3
    assert recent.of_record(record(1)) is not events[0]  # 1 had been evicted (the oldest)
    assert recent.of_record(record(3)) is events[2]
    recent.of_record(record(5))  # evicts 2, the least recently used, not 3
    assert recent.of_record(record(3)) is events[2]
    assert len(recent) == 3
