"""Event log retention: events older than ``event_retention_days`` are deleted in batches.

The event log is the replay window of live clients. What runs and users produce (executions and
their log lines, alerts, notifications) lives in its own tables and is never pruned here. A
client that resumes from a pruned ``seq`` is told so (``replayIncomplete`` in ``authenticated``)
and gets what is left, from ``oldestSeq`` on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog

from conveyor.aio import Periodic
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
        interval = settings.event_prune_interval_seconds
        # The first pass waits a little: start-up has more urgent work for the database.
        first_delay = min(FIRST_PASS_DELAY_SECONDS, interval)
        self.loop = Periodic(
            "conveyor-event-retention", self._pass, interval=interval, first_delay=first_delay
        )

    def start(self) -> None:
        if self.settings.event_retention_days > 0:
            self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()

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

    async def _pass(self) -> None:
        if deleted := await self.prune_expired():
            log.info("pruned old events", deleted=deleted)
