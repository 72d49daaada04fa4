"""Event log retention: events older than ``event_retention_days`` are deleted in batches.

The event log is the replay window of live clients. What runs and users produce (executions and
their log lines, alerts, notifications) lives in its own tables and is never pruned here. A
client that resumes from a pruned ``seq`` is told so (``replayIncomplete`` in ``authenticated``)
and gets what is left, from ``oldestSeq`` on.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import structlog

from conveyor.aio import cancel_and_wait
from conveyor.config import Settings
from conveyor.db import Database, utcnow
from conveyor.events import store

log = structlog.get_logger(__name__)
PRUNE_BATCH = 5000
FIRST_PASS_DELAY_SECONDS = 60.0


class EventRetention:
    def __init__(self, *, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.settings.event_retention_days > 0:
            self._task = asyncio.create_task(self._loop(), name="conveyor-event-retention")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)

    async def prune_expired(self, now: datetime | None = None) -> int:
        """Delete every event older than the retention period; returns how many."""
        if self.settings.event_retention_days <= 0:
            return 0
        before = (now or utcnow()) - timedelta(days=self.settings.event_retention_days)
        total = 0
        while True:
            # One short transaction per batch: event commits wait on the same write slot.
            async with self.db.write_session() as session:
                deleted = await store.prune(session, before=before, limit=PRUNE_BATCH)
                await session.commit()
            total += deleted
            if deleted < PRUNE_BATCH:
                return total

    async def _loop(self) -> None:
        # The first pass waits a little: start-up has more urgent work for the database.
        delay = min(FIRST_PASS_DELAY_SECONDS, self.settings.event_prune_interval_seconds)
        while True:
            await asyncio.sleep(delay)
            delay = self.settings.event_prune_interval_seconds
            try:
                if deleted := await self.prune_expired():
                    log.info("pruned old events", deleted=deleted)
            except Exception:
                log.exception("event retention pass failed")
