"""Sockets from connection to disconnection: authentication, grace and expiry timers, rooms.

What a socket may see lives in its rooms; the sequencer delivers to rooms, so every change of
a socket's standing (authenticated, expired, access changed or revoked) is a change of rooms.
"""

from __future__ import annotations

import asyncio
from typing import Any

from conveyor.aio import spawn
from conveyor.config import Settings
from conveyor.db import utcnow
from conveyor.errors import Unauthorized
from conveyor.events.filters import EventFilter, FilterChange
from conveyor.events.realtime.access import Authenticator, Visibility, rooms_of
from conveyor.events.realtime.channel import Channel, Packet
from conveyor.events.realtime.connection import SocketState, shared_filter
from conveyor.events.realtime.delivery import drop_slow
from conveyor.events.realtime.room_index import RoomIndex
from conveyor.events.realtime.sequencer import Sequencer
from conveyor.events.rooms import WS_NAMESPACE, user_room


class Sessions:
    def __init__(
        self,
        *,
        settings: Settings,
        authenticator: Authenticator,
        visibility: Visibility,
        sequencer: Sequencer,
        rooms: RoomIndex,
    ) -> None:
        self.settings = settings
        self.authenticator = authenticator
        self.visibility = visibility
        self.sequencer = sequencer
        self.rooms = rooms
        self.sockets: dict[str, SocketState] = {}

    def stop(self) -> None:
        for state in self.sockets.values():
            state.cancel_timer()

    def connected(self, sid: str, channel: Channel) -> SocketState:
        state = SocketState(sid=sid, channel=channel)
        self.sockets[sid] = state
        self._start_grace(state, "authentication timeout")
        return state

    def disconnected(self, sid: str) -> None:
        state = self.sockets.pop(sid, None)
        if state is not None:
            state.cancel_timer()
            self.rooms.place(state, set())

    def refilter(self, state: SocketState, event_filter: EventFilter) -> None:
        self.rooms.update(state, event_filter=shared_filter(event_filter))

    @staticmethod
    def send(state: SocketState, event: str, data: Any) -> None:
        if not state.channel.send(Packet.event(WS_NAMESPACE, event, data)):
            drop_slow(state)

    # Authentication ------------------------------------------------------------------------

    async def authenticate(
        self, state: SocketState, token: str, last_seq: int | None, subscription: FilterChange | None = None
    ) -> None:
        """Authenticate (or re-authenticate) a socket, then replay what it missed.

        A ``subscription`` sent with the credentials replaces the socket's filter before the
        replay, so a reconnecting client is not sent what it would drop.
        """
        state.cancel_timer()  # the grace period is for sending credentials, not for checking them
        try:
            principal = await self.authenticator.authenticate(token)
            access = await self.visibility.access_of(principal)
            if access is None:
                raise Unauthorized("unknown or disabled user")
        except Unauthorized as exc:
            self.deauthenticate(state, exc.detail)
            return
        resume_from = (
            last_seq if last_seq is not None else (state.seen_seq if state.ever_authenticated else None)
        )
        state.principal, state.access, state.ever_authenticated = principal, access, True
        self.rooms.update(
            state,
            event_filter=None if subscription is None else shared_filter(subscription.as_filter()),
            replaying=resume_from is not None,
        )
        self.rooms.resume_at(state, resume_from if resume_from is not None else self.sequencer.last_seq)
        self._arm_expiry(state)
        self.rooms.place(state, rooms_of(access))
        welcome = self._welcome(state)
        if state.replaying:
            welcome |= await self.sequencer.replay_window(state.last_seq)
        self.send(state, "authenticated", welcome)
        if state.replaying:
            await self.sequencer.replay(state)

    def _welcome(self, state: SocketState) -> dict[str, Any]:
        assert state.principal is not None and state.access is not None
        expires = state.principal.expires_at
        return {
            "user": state.principal.public,
            "projects": {pid: str(role) for pid, role in state.access.project_roles.items()},
            "lastSeq": self.sequencer.last_seq,
            "resumeFrom": state.last_seq if state.replaying else None,
            "expiresAt": expires.isoformat() if expires else None,
            "filter": state.filter.describe(),
        }

    def deauthenticate(self, state: SocketState, reason: str) -> None:
        state.principal = state.access = None
        state.cancel_timer()
        self.rooms.place(state, set())
        self.send(state, "auth_error", {"message": reason})
        self._start_grace(state, "not authenticated")

    # Timers --------------------------------------------------------------------------------

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
                delay, lambda: self.deauthenticate(state, "token expired")
            )

    async def _drop(self, state: SocketState, reason: str) -> None:
        if state.authenticated or state.sid not in self.sockets:
            return
        self.send(state, "auth_error", {"message": reason})
        await state.channel.disconnect()

    # Access changes ------------------------------------------------------------------------

    async def control(self, message: Any) -> None:
        if isinstance(message, dict) and message.get("action") == "refresh_user":
            await self._refresh_user(str(message.get("userId")))

    async def _refresh_user(self, user_id: str) -> None:
        for state in list(self.rooms.members([user_room(user_id)]).values()):
            if state.principal is None:
                continue
            access = await self.visibility.access_of(state.principal)
            if state.principal is None:
                continue  # expired meanwhile
            if access is None:
                self.deauthenticate(state, "access revoked")
                continue
            state.access = access
            self.rooms.place(state, rooms_of(access))
