"""The ``/ws`` namespace: parses and limits what clients send, then asks the hub."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import socketio

from conveyor.aio import spawn
from conveyor.config import Settings
from conveyor.errors import InvalidInput
from conveyor.events.filters import FilterChange
from conveyor.events.realtime.connection import SocketState
from conveyor.events.realtime.hub import Hub
from conveyor.events.rooms import WS_NAMESPACE

Handler = Callable[[SocketState, Any], Awaitable[Any]]
MAX_RATE_VIOLATIONS = 20


class ConveyorNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(self, hub: Hub, settings: Settings, namespace: str = WS_NAMESPACE) -> None:
        super().__init__(namespace)
        self.hub = hub
        self.settings = settings
        self._handlers: dict[str, Handler] = {
            "authenticate": self._authenticate,
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
        }

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event == "connect":
            return self._connect(args[0], args[2] if len(args) > 2 else None)
        if event == "disconnect":
            self.hub.disconnected(args[0])
            return None
        state = self.hub.sockets.get(args[0])
        if state is None:
            return None
        return await self._client_event(state, event, list(args[1:]))

    def _connect(self, sid: str, auth: Any) -> bool:
        """Accept every connection; a token in the CONNECT ``auth`` authenticates at once."""
        state = self.hub.connected(sid, self.namespace)
        if auth is not None:
            spawn(self._handle_safely(state, "authenticate", self._authenticate, auth))
        return True

    async def _client_event(self, state: SocketState, event: str, args: list[Any]) -> Any:
        if not state.limiter.take():
            return await self._rate_limited(state, event)
        handler = self._handlers.get(event)
        if handler is None:
            return await self._error(state, f"unknown event {event!r}", event, "unknown_event")
        size = _size(args)
        if size is None:
            return await self._error(state, "messages must be JSON (no binary)", event, "malformed")
        if size > self.settings.ws_max_message_bytes:
            limit = self.settings.ws_max_message_bytes
            return await self._error(state, f"message of {size} bytes exceeds {limit}", event, "too_large")
        return await self._handle_safely(state, event, handler, args[0] if args else None)

    async def _handle_safely(self, state: SocketState, event: str, handler: Handler, data: Any) -> Any:
        try:
            return await handler(state, data)
        except InvalidInput as exc:
            await self._error(state, exc.detail, event, "invalid")
            return None

    async def _authenticate(self, state: SocketState, data: Any) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("token"), str) or not data["token"]:
            await self.hub.send(state, "auth_error", {"message": "authenticate needs {token: string}"})
            return
        last_seq = data.get("lastSeq")
        if last_seq is not None and (type(last_seq) is not int or last_seq < 0):
            await self.hub.send(state, "auth_error", {"message": "lastSeq must be a non-negative integer"})
            return
        subscription = data.get("subscribe")
        try:
            change = None if subscription is None else FilterChange.parse(_object(subscription, "subscribe"))
        except InvalidInput as exc:
            await self.hub.send(state, "auth_error", {"message": exc.detail})
            return
        await self.hub.authenticate(state, data["token"], last_seq, change)

    async def _subscribe(self, state: SocketState, data: Any) -> dict[str, Any]:
        return await self._change_filter(state, data, subscribe=True)

    async def _unsubscribe(self, state: SocketState, data: Any) -> dict[str, Any]:
        return await self._change_filter(state, data, subscribe=False)

    async def _change_filter(self, state: SocketState, data: Any, *, subscribe: bool) -> dict[str, Any]:
        if not state.authenticated:
            raise InvalidInput("authenticate first")
        change = FilterChange.parse(_object({} if data is None else data, "subscribe/unsubscribe"))
        state.filter = state.filter.subscribed(change) if subscribe else state.filter.unsubscribed(change)
        reply = {"filter": state.filter.describe()}
        await self.hub.send(state, "subscribed", reply)
        return reply

    async def _rate_limited(self, state: SocketState, event: str) -> None:
        state.rate_violations += 1
        if state.rate_violations > MAX_RATE_VIOLATIONS:
            await self.disconnect(state.sid)
            return
        await self._error(state, "rate limit exceeded", event, "rate_limited")

    async def _error(self, state: SocketState, message: str, event: str, code: str) -> None:
        await self.hub.send(state, "error", {"message": message, "code": code, "event": event})


def _size(args: list[Any]) -> int | None:
    try:
        return len(json.dumps(args, separators=(",", ":")))
    except (TypeError, ValueError):
        return None


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} expects an object such as {{categories: ['PIPELINE']}}")
    return value
