"""Per-socket state: who it is, what it may and wants to see, where it stands in the stream."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING
from weakref import WeakValueDictionary

from conveyor.events.filters import EventFilter
from conveyor.events.realtime.access import Access, Identity
from conveyor.events.realtime.channel import Channel

if TYPE_CHECKING:
    from conveyor.events.realtime.delivery import SharedEvent

# Sockets with equal filters share one object, so a fan-out decides each distinct filter once.
_FILTERS: WeakValueDictionary[EventFilter, EventFilter] = WeakValueDictionary()


def shared_filter(event_filter: EventFilter) -> EventFilter:
    return _FILTERS.setdefault(event_filter, event_filter)


DEFAULT_FILTER = shared_filter(EventFilter())
NO_SKIPS: Mapping[str, int] = MappingProxyType({})


class TokenBucket:
    """Allows ``burst`` messages at once and ``rate`` per second sustained."""

    __slots__ = ("capacity", "rate", "tokens", "updated")

    def __init__(self, *, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass(eq=False, slots=True)
class SocketState:
    sid: str
    channel: Channel
    limiter: TokenBucket | None = None  # made at the first message (most sockets never send one)
    principal: Identity | None = None
    access: Access | None = None
    filter: EventFilter = DEFAULT_FILTER
    last_seq: int = 0
    ever_authenticated: bool = False
    replaying: bool = False
    pending: list[SharedEvent] | None = None  # live events held during a replay
    rooms: frozenset[str] = frozenset()  # shared by the sockets in the same rooms (RoomIndex)
    timer: asyncio.TimerHandle | None = None
    rate_violations: int = 0
    # The RoomIndex's seq of the last event skipped in each room (no socket there wanted it); the
    # skips counted so far, and the sequencer's head when they were (RoomIndex.settle).
    skipped: Mapping[str, int] = field(default_factory=lambda: NO_SKIPS)
    skipped_through: int = 0
    settled_at: int = 0

    @property
    def authenticated(self) -> bool:
        return self.principal is not None

    @property
    def seen_seq(self) -> int:
        """``last_seq`` counting the events of its rooms that were skipped (no socket there wanted
        them) as seen: what it would be had they been walked, for a walk advances it past every
        event of its rooms, wanted or not. The seq a resume starts after."""
        seq = max(self.last_seq, self.skipped_through)
        for room in self.rooms:
            skipped = self.skipped.get(room, 0)
            if skipped > seq and skipped > self.settled_at:
                seq = skipped
        return seq

    def cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
