"""The hub: per-node ordered delivery of bus messages to authorized, filtered sockets.

Ordering: ``seq`` is contiguous, so the hub delivers strictly in order. A message that
arrives early waits in a small buffer; if the missing ones do not arrive within
``event_gap_fill_seconds`` they are read from the event log. A periodic check of the log's
head also catches events whose live message was lost (a producer that died after commit).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

import structlog

from conveyor.aio import cancel_and_wait, spawn
from conveyor.auth import service as auth_service
from conveyor.auth.principal import Access
from conveyor.auth.security import JwtCodec
from conveyor.config import Settings
from conveyor.db import Database, utcnow
from conveyor.errors import Unauthorized
from conveyor.events import store
from conveyor.events.filters import EventFilter, FilterChange
from conveyor.events.models import EventRecord
from conveyor.events.realtime.connection import SocketState, TokenBucket
from conveyor.events.realtime.delivery import Outgoing, fan_out
from conveyor.events.realtime.manager import HubManager
from conveyor.events.rooms import (
    ADMINS_ROOM,
    AUTHENTICATED_ROOM,
    WS_NAMESPACE,
    project_room,
    rooms_for,
    user_room,
)

log = structlog.get_logger(__name__)

Buffered = tuple[dict[str, Any], list[str], float]


class Hub:
    def __init__(self, *, db: Database, codec: JwtCodec, settings: Settings, manager: HubManager) -> None:
        self.db = db
        self.codec = codec
        self.settings = settings
        self.manager = manager
        manager.hub = self
        self.sockets: dict[str, SocketState] = {}
        self.last_seq = 0
        self._buffer: dict[int, Buffered] = {}
        self._order_lock = asyncio.Lock()
        self._seen_head = 0
        self._watcher: asyncio.Task[None] | None = None
        self._deliverer: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()

    @property
    def server(self) -> Any:
        return self.manager.server

    async def start(self) -> None:
        async with self.db.session() as session:
            self.last_seq = self._seen_head = await store.last_seq(session)
        self._watcher = asyncio.create_task(self._watch_log_head(), name="conveyor-hub-watcher")
        self._deliverer = asyncio.create_task(self._deliver_arrivals(), name="conveyor-hub-deliverer")

    async def stop(self) -> None:
        await cancel_and_wait(self._watcher, self._deliverer)
        for state in self.sockets.values():
            state.cancel_timer()

    # Sockets -----------------------------------------------------------------------------

    def connected(self, sid: str, namespace: str) -> SocketState:
        limiter = TokenBucket(
            rate=self.settings.ws_rate_limit_per_second, burst=self.settings.ws_rate_limit_burst
        )
        state = SocketState(sid=sid, namespace=namespace, limiter=limiter)
        self.sockets[sid] = state
        self._start_grace(state, "authentication timeout")
        return state

    def disconnected(self, sid: str) -> None:
        state = self.sockets.pop(sid, None)
        if state is not None:
            state.cancel_timer()

    async def authenticate(
        self, state: SocketState, token: Any, last_seq: int | None, subscription: FilterChange | None = None
    ) -> None:
        """Authenticate (or re-authenticate) a socket, then replay what it missed.

        A ``subscription`` sent with the credentials replaces the socket's filter before the
        replay, so a reconnecting client is not sent what it would drop.
        """
        try:
            async with self.db.session() as session:
                principal = await auth_service.authenticate(session=session, codec=self.codec, token=token)
                access = await auth_service.load_access(session, principal.user_id)
        except Unauthorized as exc:
            await self._deauthenticate(state, exc.detail)
            return
        resume_from = (
            last_seq if last_seq is not None else (state.last_seq if state.ever_authenticated else None)
        )
        state.principal, state.access, state.ever_authenticated = principal, access, True
        if subscription is not None:
            state.filter = subscription.as_filter()
        state.replaying = resume_from is not None
        state.last_seq = resume_from if resume_from is not None else self.last_seq
        self._arm_expiry(state)
        await self._sync_rooms(state)
        welcome = self._welcome(state)
        if state.replaying:
            welcome |= await self._replay_window(state.last_seq)
        await self.send(state, "authenticated", welcome)
        if state.replaying:
            await self._replay(state)

    def _welcome(self, state: SocketState) -> dict[str, Any]:
        assert state.principal is not None and state.access is not None
        expires = state.principal.expires_at
        return {
            "user": state.principal.public,
            "projects": {pid: role.value for pid, role in state.access.project_roles.items()},
            "lastSeq": self.last_seq,
            "resumeFrom": state.last_seq if state.replaying else None,
            "expiresAt": expires.isoformat() if expires else None,
            "filter": state.filter.describe(),
        }

    async def _replay_window(self, resume_from: int) -> dict[str, Any]:
        """Whether retention pruned events the resuming client has not seen."""
        async with self.db.session() as session:
            oldest = await store.first_seq(session)
        return {"oldestSeq": oldest, "replayIncomplete": oldest is not None and resume_from + 1 < oldest}

    async def set_filter(self, state: SocketState, new_filter: EventFilter) -> None:
        state.filter = new_filter

    async def _deauthenticate(self, state: SocketState, reason: str) -> None:
        state.principal = state.access = None
        state.cancel_timer()
        await self._sync_rooms(state)
        await self.send(state, "auth_error", {"message": reason})
        self._start_grace(state, "not authenticated")

    def _start_grace(self, state: SocketState, reason: str) -> None:
        state.cancel_timer()
        state.timer = asyncio.get_running_loop().call_later(
            self.settings.ws_auth_grace_seconds, lambda: spawn(self._drop(state, reason))
        )

    def _arm_expiry(self, state: SocketState) -> None:
        state.cancel_timer()
        expires = state.principal.expires_at if state.principal else None
        if expires is not None:
            delay = max(0.0, (expires - utcnow()).total_seconds())
            state.timer = asyncio.get_running_loop().call_later(
                delay, lambda: spawn(self._deauthenticate(state, "token expired"))
            )

    async def _drop(self, state: SocketState, reason: str) -> None:
        if state.authenticated or state.sid not in self.sockets:
            return
        await self.send(state, "auth_error", {"message": reason})
        await self.server.disconnect(state.sid, namespace=state.namespace, ignore_queue=True)

    async def _sync_rooms(self, state: SocketState) -> None:
        wanted = self._rooms_of(state.access)
        for room in state.rooms - wanted:
            await self.server.leave_room(state.sid, room, namespace=state.namespace)
        for room in wanted - state.rooms:
            await self.server.enter_room(state.sid, room, namespace=state.namespace)
        state.rooms = wanted

    @staticmethod
    def _rooms_of(access: Access | None) -> set[str]:
        if access is None:
            return set()
        rooms = {AUTHENTICATED_ROOM, user_room(access.user_id)}
        rooms.update(project_room(pid) for pid in access.project_roles)
        if access.is_admin:
            rooms.add(ADMINS_ROOM)
        return rooms

    # Control -------------------------------------------------------------------------------

    async def control(self, message: Any) -> None:
        if isinstance(message, dict) and message.get("action") == "refresh_user":
            await self._refresh_user(str(message.get("userId")))

    async def _refresh_user(self, user_id: str) -> None:
        for sid, _ in list(self.manager.get_participants(WS_NAMESPACE, user_room(user_id))):
            state = self.sockets.get(sid)
            if state is None or state.principal is None:
                continue
            async with self.db.session() as session:
                valid = await auth_service.still_valid(session, state.principal)
                access = await auth_service.load_access(session, user_id) if valid else None
            if access is None:
                await self._deauthenticate(state, "access revoked")
                continue
            state.access = access
            await self._sync_rooms(state)

    # Delivery ------------------------------------------------------------------------------

    async def receive(self, message: Any) -> None:
        """A bus message from any producer, possibly out of order or duplicated."""
        try:
            envelope, rooms = message["envelope"], list(message["rooms"])
            seq = int(envelope["seq"])
        except (KeyError, TypeError, ValueError):
            log.warning("malformed bus message dropped")
            return
        if seq > self.last_seq and seq not in self._buffer:
            self._buffer[seq] = (envelope, rooms, time.monotonic())
            self._arrived.set()

    async def _deliver_arrivals(self) -> None:
        """Deliver in seq order, off the producer's path: a commit never waits for a fan-out."""
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            async with self._order_lock:
                await self._drain()

    async def _drain(self) -> None:
        while batch := self._take_ready():
            await fan_out(self.manager, self.sockets, batch)

    def _take_ready(self) -> list[Outgoing]:
        """The buffered events that follow ``last_seq`` without a gap, in order."""
        ready = []
        while (item := self._buffer.pop(self.last_seq + 1, None)) is not None:
            self.last_seq += 1
            envelope, rooms, _ = item
            ready.append(Outgoing(envelope, dict(self.manager.get_participants(WS_NAMESPACE, rooms))))
        return ready

    async def _replay(self, state: SocketState) -> None:
        """Send what the socket missed, from the log, then what arrived live meanwhile."""
        assert state.access is not None
        viewer = state.access.viewer
        page = self.settings.ws_replay_page_size
        try:
            while state.authenticated:
                query = store.EventQuery(after_seq=state.last_seq, filter=state.filter, limit=page)
                async with self.db.session() as session:
                    records = await store.read(session, viewer, query)
                await self._send_records(state, records)
                if len(records) < page:
                    break
        finally:
            state.replaying = False
            pending, state.pending = state.pending, []
            await self._send_envelopes(state, pending)

    async def _send_records(self, state: SocketState, records: Iterable[EventRecord]) -> None:
        await self._send_envelopes(state, (store.to_envelope(r).model_dump(mode="json") for r in records))

    async def _send_envelopes(self, state: SocketState, envelopes: Iterable[dict[str, Any]]) -> None:
        for envelope in envelopes:
            if envelope["seq"] <= state.last_seq:
                continue
            state.last_seq = envelope["seq"]
            if state.filter.matches(envelope):
                await self.send(state, envelope["event_type"], envelope)

    async def send(self, state: SocketState, event: str, data: Any) -> None:
        await self.manager.send_encoded(
            state.sid, state.namespace, self.manager.encode(state.namespace, event, data)
        )

    # Gaps ----------------------------------------------------------------------------------

    async def _watch_log_head(self) -> None:
        interval = self.settings.event_gap_fill_seconds
        while True:
            await asyncio.sleep(interval)
            try:
                await self.fill_gaps()
            except Exception:
                log.exception("event gap fill failed")

    async def fill_gaps(self) -> None:
        """Read from the log what was committed but has not arrived live in time."""
        async with self.db.session() as session:
            head = await store.last_seq(session)
        overdue = time.monotonic() - self.settings.event_gap_fill_seconds
        waiting = [seq - 1 for seq, item in self._buffer.items() if item[2] <= overdue]
        # Events at or below the head seen one tick ago were committed a tick ago at least.
        target = max([min(self._seen_head, head), *waiting])
        self._seen_head = head
        if target > self.last_seq:
            await self._fill_until(target)

    async def _fill_until(self, target: int) -> None:
        async with self.db.session() as session:
            records = await store.read_range(session, self.last_seq + 1, target)
        async with self._order_lock:
            for record in records:
                if record.seq > self.last_seq and record.seq not in self._buffer:
                    rooms = rooms_for(project_id=record.project_id, user_id=record.user_id)
                    self._buffer[record.seq] = (
                        store.to_envelope(record).model_dump(mode="json"),
                        rooms,
                        0.0,
                    )
            await self._drain()
            if self.last_seq < target:
                log.warning("events missing from the log skipped", first=self.last_seq + 1, last=target)
                self.last_seq = target
                await self._drain()
