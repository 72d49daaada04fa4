"""The hub: this node's live delivery, made of sessions (sockets, authentication, rooms) and the
sequencer (ordering, gap filling, replay), as python-socketio splits server and manager.

It is the sink the client manager hands bus messages to: events go to the sequencer, access
changes to the sessions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conveyor.config import Settings
from conveyor.db import Database
from conveyor.events.realtime.access import Authenticator, Visibility
from conveyor.events.realtime.connection import SocketState
from conveyor.events.realtime.room_index import RoomIndex
from conveyor.events.realtime.sequencer import Sequencer
from conveyor.events.realtime.sessions import Sessions


class Hub:
    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        authenticator: Authenticator,
        visibility: Visibility,
        on_access_changed: Callable[[str], None] = lambda user_id: None,
        on_event: Callable[[dict[str, Any]], None] = lambda envelope: None,
    ) -> None:
        """``on_access_changed`` hears of every user whose access changed, from any node;
        ``on_event`` of every live event this node receives, once."""
        self.on_access_changed = on_access_changed
        rooms = RoomIndex()
        self.sequencer = Sequencer(db=db, settings=settings, rooms=rooms, observe=on_event)
        self.sessions = Sessions(
            settings=settings,
            authenticator=authenticator,
            visibility=visibility,
            sequencer=self.sequencer,
            rooms=rooms,
        )

    @property
    def sockets(self) -> dict[str, SocketState]:
        return self.sessions.sockets

    async def start(self) -> None:
        await self.sequencer.start()

    async def stop(self) -> None:
        await self.sequencer.stop()
        self.sessions.stop()

    async def receive(self, message: Any) -> None:
        await self.sequencer.receive(message)

    async def control(self, message: Any) -> None:
        if isinstance(message, dict) and message.get("action") == "refresh_user":
            self.on_access_changed(str(message.get("userId")))
        await self.sessions.control(message)
