"""The event bus: persist events with the caller's transaction, then fan them out.

Services stage nothing themselves: they call ``await bus.commit(session, *emissions)``, which
appends the events to the log inside the same transaction, commits, and only then publishes.
A rolled-back change therefore never announces itself, and a committed one is never lost
(a node that misses the live message fills the gap from the log).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.events import store
from conveyor.events.rooms import WS_NAMESPACE, rooms_for
from conveyor.events.schemas import Emission, Envelope
from conveyor.logs import get_logger

log = get_logger(__name__)

BUS_EVENT = "conveyor:event"
CONTROL_EVENT = "conveyor:control"


class Emitter(Protocol):
    """What both ``socketio.AsyncServer`` and a write-only ``AsyncRedisManager`` provide."""

    async def emit(
        self, event: str, data: Any = None, *, namespace: str | None = None, room: Any = None
    ) -> Any: ...


class EventBus:
    def __init__(self, emitter: Emitter | None = None) -> None:
        self.emitter = emitter
        self.last_failure: float | None = None  # time.monotonic() of the last failed fan-out

    async def commit(
        self,
        session: AsyncSession,
        *emissions: Emission,
        access_changed_for: Iterable[str] = (),
    ) -> list[Envelope]:
        """Commit the session with these events; afterwards publish them.

        ``access_changed_for`` names users whose roles or memberships the transaction changed,
        so their live sockets re-read their access at once.
        """
        envelopes: list[Envelope] = []
        if emissions:
            await session.flush()  # before the insert, which may commit on SQLite
            # Not inside a savepoint: the commit has to release it first.
            last = not session.in_nested_transaction()
            envelopes = await store.append(session, emissions, then_commit=last)
        await session.commit()
        for envelope, item in zip(envelopes, emissions, strict=True):
            await self.publish(envelope, user_id=item.user_id)
        for user_id in access_changed_for:
            await self._send(CONTROL_EVENT, {"action": "refresh_user", "userId": user_id}, None)
        return envelopes

    async def publish(self, envelope: Envelope, *, user_id: str | None) -> None:
        rooms = rooms_for(project_id=envelope.project_id, user_id=user_id)
        message = {"envelope": envelope.model_dump(mode="json"), "rooms": rooms}
        await self._send(BUS_EVENT, message, rooms)

    async def _send(self, event: str, data: dict[str, Any], rooms: list[str] | None) -> None:
        if self.emitter is None:
            return
        try:
            await self.emitter.emit(event, data, namespace=WS_NAMESPACE, room=rooms)
        except Exception:
            # Committed events stay in the log: receiving nodes fill the gap from there.
            self.last_failure = time.monotonic()
            log.exception("event fan-out failed", event=event)
