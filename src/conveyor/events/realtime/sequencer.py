"""The sequencer: bus messages to sockets in ``seq`` order, gaps filled from the log, replays.

``seq`` is contiguous, so events are delivered strictly in order. A message that arrives early
waits in a small buffer; if the missing ones do not arrive within ``event_gap_fill_seconds``
they are read from the event log. A periodic check of the log's head also catches events whose
live message was lost (a producer that died after its commit).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import structlog

from conveyor.aio import Periodic, cancel_and_wait
from conveyor.config import Settings
from conveyor.db import Database
from conveyor.events import store
from conveyor.events.models import EventRecord
from conveyor.events.realtime.connection import SocketState
from conveyor.events.realtime.delivery import Outgoing, SharedEvent, drop, drop_slow, fan_out
from conveyor.events.realtime.room_index import RoomIndex
from conveyor.events.rooms import rooms_for

log = structlog.get_logger(__name__)

# Events kept encoded for replays: two replay pages at the default ws_replay_page_size, so that
# sockets resuming together (a reconnect storm) share each event's packet and frames.
RECENT_EVENTS = 1024
RESUME_FAILED = "resume_failed"  # the error code of a socket dropped because its replay failed


@dataclass(frozen=True)
class Arrival:
    envelope: dict[str, Any]
    rooms: list[str]
    arrived_at: float  # monotonic; 0 for events read from the log


class Sequencer:
    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        rooms: RoomIndex,
        observe: Callable[[dict[str, Any]], None] = lambda envelope: None,
    ) -> None:
        """``observe`` sees each live event once, as it arrives (the node's event counters)."""
        self.db = db
        self.observe = observe
        self.settings = settings
        self.rooms = rooms
        self.last_seq = 0
        self._buffer: dict[int, Arrival] = {}
        self.recent = RecentEvents(RECENT_EVENTS)
        self._order_lock = asyncio.Lock()
        self._seen_head = 0
        self._arrived = asyncio.Event()
        self._deliverer: asyncio.Task[None] | None = None
        interval = settings.event_gap_fill_seconds
        self._gap_filler = Periodic(
            "conveyor-hub-gap-fill", self.fill_gaps, interval=interval, first_delay=interval
        )

    async def start(self) -> None:
        async with self.db.session() as session:
            self.last_seq = self._seen_head = await store.last_seq(session)
        self._deliverer = asyncio.create_task(self._deliver_arrivals(), name="conveyor-hub-deliverer")
        self._gap_filler.start()

    async def stop(self) -> None:
        await cancel_and_wait(self._deliverer)
        await self._gap_filler.stop()

    # Live ----------------------------------------------------------------------------------

    async def receive(self, message: Any) -> None:
        """A bus message from any producer, possibly out of order or duplicated."""
        try:
            envelope, rooms = message["envelope"], list(message["rooms"])
            seq = int(envelope["seq"])
        except (KeyError, TypeError, ValueError):
            log.warning("malformed bus message dropped")
            return
        if seq > self.last_seq and seq not in self._buffer:
            self._buffer[seq] = Arrival(envelope, rooms, time.monotonic())
            self.observe(envelope)
            self._arrived.set()

    async def _deliver_arrivals(self) -> None:
        """Deliver in seq order, off the producer's path: a commit never waits for a fan-out."""
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            async with self._order_lock:
                await self._drain()

    async def _drain(self) -> None:
        while True:
            batch, skipped = self._take_ready()
            if not batch and not skipped:
                return
            if batch:
                await fan_out(batch)
            for arrival in skipped:
                self.rooms.skip(arrival.rooms, arrival.envelope["seq"])

    def _take_ready(self) -> tuple[list[Outgoing], list[Arrival]]:
        """The buffered events that follow ``last_seq`` without a gap, in order: those to
        deliver, and those that no socket in their rooms wants, which cost no walk of the
        sockets (bench/results/ws_fanout.md: each alert's notification to the admin's sockets)."""
        ready, skipped = [], []
        while (arrival := self._buffer.pop(self.last_seq + 1, None)) is not None:
            self.last_seq += 1
            event = self.recent.add(arrival.envelope)
            if self.rooms.wanted(arrival.rooms, event.envelope):
                ready.append(Outgoing(event, self.rooms.members(arrival.rooms)))
            else:
                skipped.append(arrival)
        self.rooms.head = self.last_seq
        return ready, skipped

    # Gaps ----------------------------------------------------------------------------------

    async def fill_gaps(self) -> None:
        """Read from the log what was committed but has not arrived live in time."""
        async with self.db.session() as session:
            head = await store.last_seq(session)
        overdue = time.monotonic() - self.settings.event_gap_fill_seconds
        waiting = [seq - 1 for seq, arrival in self._buffer.items() if arrival.arrived_at <= overdue]
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
                    self._buffer[record.seq] = Arrival(_envelope(record), rooms, 0.0)
            await self._drain()
            if self.last_seq < target:
                log.warning("events missing from the log skipped", first=self.last_seq + 1, last=target)
                self.last_seq = target
                await self._drain()

    # Replay --------------------------------------------------------------------------------

    async def replay_window(self, resume_from: int) -> dict[str, Any]:
        """Whether retention pruned events the resuming client has not seen."""
        async with self.db.session() as session:
            oldest = await store.first_seq(session)
        return {"oldestSeq": oldest, "replayIncomplete": oldest is not None and resume_from + 1 < oldest}

    async def replay(self, state: SocketState) -> None:
        """Send what the socket missed, from the log, then what arrived live meanwhile.

        Live events wait in ``state.pending`` until the replay has caught up with them; the
        socket stays ``replaying`` until that list is empty, so nothing overtakes them. A
        replay that fails midway (the log unreadable: a pool timeout in a reconnect storm)
        drops the socket, telling it where to resume from: going on live would skip the rest.
        """
        try:
            await self._replay_log(state)
        except Exception:
            log.exception("replay failed, socket told to resume", sid=state.sid, last_seq=state.last_seq)
            state.pending = None
            drop(state, RESUME_FAILED, "the replay of missed events failed")
        finally:
            while state.pending:
                pending, state.pending = state.pending, None
                await _send_in_order(state, pending)
            self.rooms.update(state, replaying=False)

    async def _replay_log(self, state: SocketState) -> None:
        assert state.access is not None
        viewer = state.access.viewer
        page = self.settings.ws_replay_page_size
        while state.authenticated and state.channel.open:
            query = store.EventQuery(after_seq=state.last_seq, filter=state.filter, limit=page)
            async with self.db.session() as session:
                records = await store.read(session, viewer, query)
            await _send_in_order(state, map(self.recent.of_record, records))
            if len(records) < page:
                break


class RecentEvents:
    """The last ``size`` events delivered or replayed, by ``seq``, each encoded at most once:
    sockets replaying the same events share their packet and WebSocket frames (plain and
    deflated) with each other and with the live fan-out, instead of each encoding and
    compressing its own copy."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._events: OrderedDict[int, SharedEvent] = OrderedDict()

    def add(self, envelope: dict[str, Any]) -> SharedEvent:
        return self._keep(SharedEvent(envelope))

    def of_record(self, record: EventRecord) -> SharedEvent:
        event = self._events.get(record.seq)
        if event is not None and event.envelope["id"] == record.id:
            self._events.move_to_end(record.seq)
            return event
        return self._keep(SharedEvent(_envelope(record)))

    def _keep(self, event: SharedEvent) -> SharedEvent:
        self._events[event.seq] = event
        self._events.move_to_end(event.seq)
        if len(self._events) > self.size:
            self._events.popitem(last=False)
        return event

    def __len__(self) -> int:
        return len(self._events)


def _envelope(record: EventRecord) -> dict[str, Any]:
    return store.to_envelope(record).model_dump(mode="json")


async def _send_in_order(state: SocketState, events: Iterable[SharedEvent]) -> None:
    """One at a time, each after the client has read most of what was sent before."""
    for event in events:
        if event.seq <= state.last_seq:
            continue
        if state.filter.matches(event.envelope):
            await state.channel.ready()
            if not state.channel.send(event.packet):
                drop_slow(state)
                return
        state.last_seq = event.seq
