"""Which of this node's sockets are in which room (rooms carry authorization), and which filters
they have there, so that an event no socket in its rooms wants is skipped without a walk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from conveyor.events.filters import EventFilter
from conveyor.events.realtime.connection import SocketState

EMPTY: frozenset[str] = frozenset()
# The key of a replaying socket in a room's filter counts: it holds every event of its rooms.
REPLAYING = None


class RoomIndex:
    def __init__(self) -> None:
        self._members: dict[str, dict[str, SocketState]] = {}
        # Sockets in the same rooms share one frozenset (a user's tabs, an admin's many sockets),
        # counted so that it goes when the last of them leaves.
        self._room_sets: dict[frozenset[str], tuple[frozenset[str], int]] = {}
        # Per room, how many of its sockets have each (shared) filter; REPLAYING for a replay.
        self._wants: dict[str, dict[EventFilter | None, int]] = {}
        # Per room with members, the seq of the last event skipped there: what a walk would have
        # advanced each member's last_seq to (SocketState.seen_seq). Written once the events taken
        # with it have been delivered, so that it never counts an event not yet walked as seen.
        self._skipped: dict[str, int] = {}
        self.head = 0  # the seq of the latest event the sequencer took, walked or skipped

    def place(self, state: SocketState, wanted: set[str]) -> None:
        """Put the socket in exactly these rooms."""
        self.settle(state)
        rooms = self._share(frozenset(wanted))
        self._release(state.rooms)
        self._count(state, state.rooms - rooms, -1)
        for room in state.rooms - rooms:
            members = self._members.get(room)
            if members is not None:
                members.pop(state.sid, None)
                if not members:
                    del self._members[room]
                    self._skipped.pop(room, None)
        for room in rooms - state.rooms:
            self._members.setdefault(room, {})[state.sid] = state
        self._count(state, rooms - state.rooms, +1)
        state.rooms = rooms
        state.skipped = self._skipped

    def update(
        self, state: SocketState, *, event_filter: EventFilter | None = None, replaying: bool | None = None
    ) -> None:
        """Change the socket's filter or replay flag, keeping the counts of its rooms right."""
        self._count(state, state.rooms, -1)
        if event_filter is not None:
            state.filter = event_filter
        if replaying is not None:
            state.replaying = replaying
        self._count(state, state.rooms, +1)

    def settle(self, state: SocketState) -> None:
        """Keep what the skips of its rooms so far count for, before its rooms change; later
        skips count only for events taken after now (a socket joining a room did not see the
        events taken before: they were not sent to it)."""
        state.skipped_through = state.seen_seq
        state.settled_at = self.head

    def resume_at(self, state: SocketState, seq: int) -> None:
        """Set where the socket stands in the stream anew (authentication, a resume)."""
        state.last_seq = state.skipped_through = seq
        state.settled_at = self.head

    def wanted(self, rooms: Iterable[str], envelope: Mapping[str, Any]) -> bool:
        """Whether a socket in any of the rooms may want the event: a filter that matches it, or
        a replay (which holds every live event of its rooms)."""
        for room in rooms:
            for key in self._wants.get(room, ()):
                if key is None or key.matches(envelope):  # None: REPLAYING
                    return True
        return False

    def skip(self, rooms: Iterable[str], seq: int) -> None:
        """Record an event that no socket wanted instead of walking its rooms' sockets, once
        the events taken before it have been delivered."""
        for room in rooms:
            if room in self._members:
                self._skipped[room] = seq

    def _count(self, state: SocketState, rooms: Iterable[str], delta: int) -> None:
        key = REPLAYING if state.replaying else state.filter
        for room in rooms:
            wants = self._wants.setdefault(room, {})
            count = wants.get(key, 0) + delta
            if count:
                wants[key] = count
            else:
                del wants[key]
                if not wants:
                    del self._wants[room]

    def _share(self, rooms: frozenset[str]) -> frozenset[str]:
        if not rooms:
            return EMPTY
        shared, users = self._room_sets.get(rooms, (rooms, 0))
        self._room_sets[rooms] = (shared, users + 1)
        return shared

    def _release(self, rooms: frozenset[str]) -> None:
        if not rooms:
            return
        shared, users = self._room_sets[rooms]
        if users > 1:
            self._room_sets[rooms] = (shared, users - 1)
        else:
            del self._room_sets[rooms]

    def members(self, rooms: Iterable[str]) -> dict[str, SocketState]:
        """The sockets in any of the rooms, each once."""
        found: dict[str, SocketState] = {}
        for room in rooms:
            found.update(self._members.get(room, {}))
        return found
