"""Socket.IO client managers that hand Conveyor's bus messages to a sink (the hub).

Every bus message reaches every node (in-process, or through Redis pub/sub); instead of
python-socketio's blind room broadcast, the sink orders messages by ``seq``, fills gaps from
the event log, and applies each socket's authorization and filters before sending.
"""

from __future__ import annotations

from typing import Any, Protocol

import socketio

from conveyor.events.bus import BUS_EVENT, CONTROL_EVENT
from conveyor.events.rooms import WS_NAMESPACE


class BusSink(Protocol):
    async def receive(self, message: Any) -> None:
        """An event message, possibly out of order or duplicated."""

    async def control(self, message: Any) -> None:
        """A control message (e.g. a user's access changed)."""


class HubManager(socketio.AsyncManager):  # type: ignore[misc]
    sink: BusSink

    def __init__(self, sink: BusSink | None = None) -> None:
        super().__init__()  # also reached, without a sink, from AsyncPubSubManager's __init__
        if sink is not None:
            self.sink = sink

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        if namespace == WS_NAMESPACE and event == BUS_EVENT:
            return await self.sink.receive(data)
        if namespace == WS_NAMESPACE and event == CONTROL_EVENT:
            return await self.sink.control(data)
        await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to)


class RedisHubManager(socketio.AsyncRedisManager, HubManager):  # type: ignore[misc]
    """Redis pub/sub fan-out across API nodes; local delivery still goes through the sink.

    Method resolution puts HubManager between AsyncPubSubManager and AsyncManager, so messages
    arriving from Redis (``_handle_emit`` -> ``super().emit``) land in ``HubManager.emit``.
    """

    def __init__(self, url: str, *, channel: str, sink: BusSink) -> None:
        socketio.AsyncRedisManager.__init__(self, url, channel=channel)
        self.sink = sink


def create_manager(redis_url: str | None, channel: str, sink: BusSink) -> HubManager:
    if redis_url:
        return RedisHubManager(redis_url, channel=channel, sink=sink)
    return HubManager(sink)
