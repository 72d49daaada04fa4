"""The live event stream: one Socket.IO connection at a time, reconnected and resumed by ``seq``.

Each connection sends the token and the last seen ``seq`` in the CONNECT ``auth``, so the
server replays what was missed, in order, before live events. Anything at or below the last
seen ``seq`` is a duplicate and dropped. An ``auth_error`` (an expired JWT) is answered by
logging in again when the client holds credentials, and raised as ``ConveyorAuthError``
otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

import aiohttp
import socketio
import socketio.exceptions

from conveyor.client.errors import ConveyorAPIError, ConveyorAuthError, ConveyorConnectionError
from conveyor.client.models import Event, EventSelection, is_envelope

log = logging.getLogger(__name__)

NAMESPACE = "/ws"
RETRYABLE = (socketio.exceptions.ConnectionError, TimeoutError, OSError, ConveyorConnectionError)


class Credentials(Protocol):
    """What the stream needs from the client that opened it."""

    @property
    def token(self) -> str | None: ...

    @property
    def can_relogin(self) -> bool: ...

    async def relogin(self) -> str: ...


@dataclass(frozen=True)
class Backoff:
    """Exponential delays between reconnection attempts, with jitter.

    ``max_attempts`` consecutive failures (``None``: never give up) end the stream with
    ``ConveyorConnectionError``; a successful authentication resets the count.
    """

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 30.0
    jitter: float = 0.25
    max_attempts: int | None = None

    def delay(self, failures: int) -> float:
        base = min(self.maximum, self.initial * self.factor ** max(0, failures - 1))
        return base * (1 + random.uniform(-self.jitter, self.jitter))  # noqa: S311 - not cryptographic

    def exhausted(self, failures: int) -> bool:
        return self.max_attempts is not None and failures >= self.max_attempts


class EventStream:
    """An async iterator of live ``Event``s; use it as ``async with`` or ``await aclose()``."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        selection: EventSelection | None = None,
        after_seq: int | None = None,
        backoff: Backoff | None = None,
        socketio_path: str = "socket.io",
        connect_timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.selection = selection or EventSelection()
        self.last_seq = after_seq
        self.backoff = backoff or Backoff()
        self.socketio_path = socketio_path
        self.connect_timeout = connect_timeout
        self.welcome: dict[str, Any] | None = None
        self.authentications = 0
        self.gaps = 0  # resumes that found events already pruned by the server's retention
        self._queue: asyncio.Queue[Event | BaseException] = asyncio.Queue()
        self._authenticated = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None
        self._ended: BaseException | None = None

    # Lifecycle --------------------------------------------------------------------------------

    def start(self) -> EventStream:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="conveyor-event-stream")
        return self

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def __aenter__(self) -> EventStream:
        return self.start()

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event:
        if self._failure is not None:
            raise self._failure
        self.start()
        item = await self._queue.get()
        if isinstance(item, BaseException):
            self._failure = item
            raise item
        return item

    async def wait_authenticated(self, count: int = 1) -> dict[str, Any]:
        """Wait until the stream has authenticated ``count`` times in all; the last welcome.

        Raises what ended the stream, if it ends first. Bound it with ``asyncio.timeout()``.
        """
        self.start()
        async with self._authenticated:
            await self._authenticated.wait_for(lambda: self.authentications >= count or self._ended)
        if self.authentications < count and self._ended is not None:
            raise self._ended
        assert self.welcome is not None
        return self.welcome

    # Connections ------------------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        try:
            while True:
                authenticated_before = self.authentications
                try:
                    await _Connection(self).run()
                except RETRYABLE as exc:
                    log.info("event stream disconnected (%s); reconnecting", exc or exc.__class__.__name__)
                failures = 0 if self.authentications > authenticated_before else failures + 1
                if self.backoff.exhausted(failures):
                    raise ConveyorConnectionError(f"could not reconnect to {self.base_url}")
                await asyncio.sleep(self.backoff.delay(failures))
        except (ConveyorAuthError, ConveyorConnectionError) as exc:
            self._queue.put_nowait(exc)
            async with self._authenticated:
                self._ended = exc
                self._authenticated.notify_all()

    def connect_auth(self) -> dict[str, Any]:
        auth: dict[str, Any] = {"token": self.credentials.token}
        if self.last_seq is not None:
            auth["lastSeq"] = self.last_seq
        subscription = self.selection.subscription()
        if subscription is not None:
            auth["subscribe"] = subscription  # applied before the replay of what was missed
        return auth

    async def authenticated(self, welcome: dict[str, Any]) -> None:
        if self.last_seq is None and isinstance(welcome.get("lastSeq"), int):
            self.last_seq = welcome["lastSeq"]
        if welcome.get("replayIncomplete"):
            self.gaps += 1
            log.warning(
                "events after seq %s were pruned by the server's retention; resuming from seq %s",
                welcome.get("resumeFrom"),
                welcome.get("oldestSeq"),
            )
        async with self._authenticated:
            self.welcome = welcome
            self.authentications += 1
            self._authenticated.notify_all()

    def accept(self, envelope: dict[str, Any]) -> None:
        """Queue an event once, in ``seq`` order; drop what was already seen."""
        seq: int = envelope["seq"]
        if self.last_seq is not None and seq <= self.last_seq:
            return
        self.last_seq = seq
        if self.selection.matches(envelope):
            self._queue.put_nowait(Event.from_envelope(envelope))


class _Connection:
    """One Socket.IO connection, from CONNECT to disconnect."""

    def __init__(self, stream: EventStream) -> None:
        self.stream = stream
        self.http = aiohttp.ClientSession()
        self.client = socketio.AsyncClient(reconnection=False, handle_sigint=False, http_session=self.http)
        self.closed = asyncio.Event()
        self.error: BaseException | None = None
        self.relogged = False
        self.client.on("*", self.on_message, namespace=NAMESPACE)
        self.client.on("disconnect", self.on_disconnect, namespace=NAMESPACE)

    async def run(self) -> None:
        stream = self.stream
        try:
            if stream.credentials.token is None:
                await self.relogin()
            await self.client.connect(
                stream.base_url,
                namespaces=[NAMESPACE],
                socketio_path=stream.socketio_path,
                transports=["websocket"],
                auth=stream.connect_auth(),
                wait_timeout=stream.connect_timeout,
            )
            await self.closed.wait()
        finally:
            if self.client.connected:
                await self.client.disconnect()
            await self.http.close()
        if self.error is not None:
            raise self.error

    def close(self, error: BaseException | None = None) -> None:
        self.error = self.error or error
        self.closed.set()

    async def on_disconnect(self, *_: Any) -> None:
        self.close(ConveyorConnectionError("disconnected by the server"))

    async def on_message(self, event: str, *args: Any) -> None:
        payload = args[0] if args else None
        if is_envelope(payload):
            self.stream.accept(payload)
        elif event == "authenticated":
            await self.on_authenticated(payload)
        elif event == "auth_error":
            await self.on_auth_error(str((payload or {}).get("message", "authentication failed")))
        elif event == "error":
            log.warning("server reported an error: %s", payload)

    async def on_authenticated(self, welcome: Any) -> None:
        self.relogged = False
        await self.stream.authenticated(welcome if isinstance(welcome, dict) else {})

    async def on_auth_error(self, message: str) -> None:
        """Log in again once per failure when possible; otherwise end the stream."""
        if self.relogged or not self.stream.credentials.can_relogin:
            self.close(ConveyorAuthError(message))
            return
        self.relogged = True
        try:
            await self.relogin()
        except (ConveyorAuthError, ConveyorConnectionError) as exc:
            self.close(exc)
            return
        await self.client.emit("authenticate", self.stream.connect_auth(), namespace=NAMESPACE)

    async def relogin(self) -> None:
        if not self.stream.credentials.can_relogin:
            raise ConveyorAuthError("no token and no credentials to log in with")
        try:
            await self.stream.credentials.relogin()
        except ConveyorAPIError as exc:
            if exc.status in (401, 403):
                raise ConveyorAuthError(exc.detail) from exc
            raise ConveyorConnectionError(str(exc)) from exc
