"""Which of this node's sockets are in which room (rooms carry authorization)."""

from __future__ import annotations

from collections.abc import Iterable

from conveyor.events.realtime.connection import SocketState

EMPTY: frozenset[str] = frozenset()


class RoomIndex:
    def __init__(self) -> None:
        self._members: dict[str, dict[str, SocketState]] = {}
        # Sockets in the same rooms share one frozenset (a user's tabs, an admin's many sockets),
        # counted so that it goes when the last of them leaves.
        self._room_sets: dict[frozenset[str], tuple[frozenset[str], int]] = {}

    def place(self, state: SocketState, wanted: set[str]) -> None:
        """Put the socket in exactly these rooms."""
        rooms = self._share(frozenset(wanted))
        self._release(state.rooms)
        for room in state.rooms - rooms:
            members = self._members.get(room)
            if members is not None:
                members.pop(state.sid, None)
                if not members:
                    del self._members[room]
        for room in rooms - state.rooms:
            self._members.setdefault(room, {})[state.sid] = state
        state.rooms = rooms

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
