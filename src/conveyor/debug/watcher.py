"""What starts the debugging loop: executions ending, read from the event log.

Runners know nothing of debugging. An execution ends in ``executions/dag.py``, which announces
``pipeline_execution_completed``; every node runs this reader, which claims those events after
its cursor (``events/readers.py``: each one is handled by one node, once) and hands each ended
execution to ``loop.execution_ended`` in a task of its own, so a slow diagnosis never holds up
the next one.
"""

from __future__ import annotations

import asyncio

import structlog

from conveyor.aio import Periodic, cancel_and_wait
from conveyor.config import Settings
from conveyor.db import Database
from conveyor.debug.loop import execution_ended
from conveyor.events import readers
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventType

log = structlog.get_logger(__name__)
CURSOR = "debug"
WATCHED = [EventType.PIPELINE_EXECUTION_COMPLETED.value]


class DebugWatcher:
    def __init__(self, *, db: Database, bus: EventBus, settings: Settings) -> None:
        self.db, self.bus, self.settings = db, bus, settings
        self.loop = Periodic("conveyor-debug", self.tick, interval=settings.debug_interval_seconds)
        self.working: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()
        await cancel_and_wait(*self.working)

    async def tick(self) -> None:
        while await self.claim_next() >= readers.WINDOW:
            pass  # a full batch: more are waiting (under a steady stream the next tick takes the rest)

    async def claim_next(self) -> int:
        """Claim the next batch of events and start the loop for each ended execution in it;
        return how many events were looked at (0: caught up)."""
        async with self.db.write_session() as session:
            claimed = await readers.claim(session, CURSOR, WATCHED)
            await session.commit()
        for record in claimed.records:
            execution_id = record.data.get("execution", {}).get("id")
            if not isinstance(execution_id, str):
                log.warning("debug: an ended execution without its id", seq=record.seq)
                continue
            self._start(execution_id)
        return claimed.looked_at

    def _start(self, execution_id: str) -> None:
        work = execution_ended(self.db, self.bus, self.settings, execution_id)
        task = asyncio.create_task(work, name=f"debug-{execution_id}")
        self.working.add(task)
        task.add_done_callback(self.working.discard)
