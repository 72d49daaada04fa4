"""What clients send on ``/ws``: parsed, size- and rate-limited, then handed to the sessions.

Transport-neutral: the python-socketio namespace (``namespace.py``) calls it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from conveyor.aio import spawn
from conveyor.config import Settings
from conveyor.errors import InvalidInput
from conveyor.events.filters import FilterChange
from conveyor.events.realtime.channel import Channel
from conveyor.events.realtime.connection import SocketState, TokenBucket
from conveyor.events.realtime.sessions import Sessions

Handler = Callable[[SocketState, Any], Awaitable[Any]]
MAX_RATE_VIOLATIONS = 20


class ClientCommands:
    def __init__(self, sessions: Sessions, settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self._handlers: dict[str, Handler] = {
            "authenticate": self._authenticate,
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
        }

    def connect(self, sid: str, channel: Channel, auth: Any) -> SocketState:
        """Accept every connection; a token in the CONNECT ``auth`` authenticates at once."""
        state = self.sessions.connected(sid, channel)
        if auth is not None:
            spawn(self._handle_safely(state, "authenticate", self._authenticate, auth))
        return state

    def disconnect(self, sid: str) -> None:
        self.sessions.disconnected(sid)

    async def handle(self, sid: str, event: str, args: list[Any]) -> Any:
        """Run one client event; what it returns is the acknowledgement's payload."""
        state = self.sessions.sockets.get(sid)
        if state is None:
            return None
        if state.limiter is None:
            state.limiter = TokenBucket(
                rate=self.settings.ws_rate_limit_per_second, burst=self.settings.ws_rate_limit_burst
            )
        if not state.limiter.take():
            return await self._rate_limited(state, event)
        handler = self._handlers.get(event)
        if handler is None:
            return self._error(state, f"unknown event {event!r}", event, "unknown_event")
        size = _size(args)
        if size is None:
            return self._error(state, "messages must be JSON (no binary)", event, "malformed")
        if size > self.settings.ws_max_message_bytes:
            limit = self.settings.ws_max_message_bytes
            return self._error(state, f"message of {size} bytes exceeds {limit}", event, "too_large")
        return await self._handle_safely(state, event, handler, args[0] if args else None)

    async def _handle_safely(self, state: SocketState, event: str, handler: Handler, data: Any) -> Any:
        try:
            return await handler(state, data)
        except InvalidInput as exc:
            self._error(state, exc.detail, event, "invalid")
            return None

    async def _authenticate(self, state: SocketState, data: Any) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("token"), str) or not data["token"]:
            self.sessions.send(state, "auth_error", {"message": "authenticate needs {token: string}"})
            return
        last_seq = data.get("lastSeq")
        if last_seq is not None and (type(last_seq) is not int or last_seq < 0):
            self.sessions.send(state, "auth_error", {"message": "lastSeq must be a non-negative integer"})
            return
        subscription = data.get("subscribe")
        try:
            change = None if subscription is None else FilterChange.parse(_object(subscription, "subscribe"))
        except InvalidInput as exc:
            self.sessions.send(state, "auth_error", {"message": exc.detail})
            return
        await self.sessions.authenticate(state, data["token"], last_seq, change)

    async def _subscribe(self, state: SocketState, data: Any) -> dict[str, Any]:
        return self._change_filter(state, data, subscribe=True)

    async def _unsubscribe(self, state: SocketState, data: Any) -> dict[str, Any]:
        return self._change_filter(state, data, subscribe=False)

    def _change_filter(self, state: SocketState, data: Any, *, subscribe: bool) -> dict[str, Any]:
        if not state.authenticated:
            raise InvalidInput("authenticate first")
        change = FilterChange.parse(_object({} if data is None else data, "subscribe/unsubscribe"))
        changed = state.filter.subscribed(change) if subscribe else state.filter.unsubscribed(change)
        self.sessions.refilter(state, changed)
        reply = {"filter": state.filter.describe()}
        self.sessions.send(state, "subscribed", reply)
        return reply

    async def _rate_limited(self, state: SocketState, event: str) -> None:
        state.rate_violations += 1
        if state.rate_violations > MAX_RATE_VIOLATIONS:
            await state.channel.disconnect()
            return
        self._error(state, "rate limit exceeded", event, "rate_limited")

    def _error(self, state: SocketState, message: str, event: str, code: str) -> None:
        self.sessions.send(state, "error", {"message": message, "code": code, "event": event})


def _size(args: list[Any]) -> int | None:
    try:
        return len(json.dumps(args, separators=(",", ":")))
    except (TypeError, ValueError):
        return None


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} expects an object such as {{categories: ['PIPELINE']}}")
    return value
