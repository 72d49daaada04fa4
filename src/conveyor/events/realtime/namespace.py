"""The ``/ws`` namespace for sockets that python-socketio serves: hands their events to the
client commands, and gives each socket a channel onto its Engine.IO queue."""

from __future__ import annotations

from typing import Any

import socketio

from conveyor.events.realtime.channel import EngineIOChannel
from conveyor.events.realtime.commands import ClientCommands
from conveyor.events.rooms import WS_NAMESPACE


class ConveyorNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(self, commands: ClientCommands, namespace: str = WS_NAMESPACE) -> None:
        super().__init__(namespace)
        self.commands = commands

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event == "connect":
            sid, auth = args[0], args[2] if len(args) > 2 else None
            self.commands.connect(sid, EngineIOChannel(self.server, sid, self.namespace), auth)
            return True
        if event == "disconnect":
            self.commands.disconnect(args[0])
            return None
        return await self.commands.handle(args[0], event, list(args[1:]))
