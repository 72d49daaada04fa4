"""Which of this node's sockets are in which room (rooms carry authorization)."""

from __future__ import annotations

from collections.abc import Iterable

from conveyor.events.realtime.connection import SocketState


class RoomIndex:
    def __init__(self) -> None:
        self._members: dict[str, dict[str, SocketState]] = {}

    def place(self, state: SocketState, rooms: set[str]) -> None:
        """Put the socket in exactly these rooms."""
        for room in state.rooms - rooms:
            members = self._members.get(room)
            if members is not None:
                members.pop(state.sid, None)
                if not members:
                    del self._members[room]
        for room in rooms - state.rooms:
            self._members.setdefault(room, {})[state.sid] = state
        state.rooms = rooms

    def members(self, rooms: Iterable[str]) -> dict[str, SocketState]:
        """The sockets in any of the rooms, each once."""
        found: dict[str, SocketState] = {}
        for room in rooms:
            found.update(self._members.get(room, {}))
        return found
