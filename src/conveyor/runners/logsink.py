"""A job's log on its way out: masked, numbered, timestamped, and flushed in batches."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from conveyor.db import Database, utcnow
from conveyor.events.bus import EventBus
from conveyor.pipelines.progress import Claim, Line, append_logs
from conveyor.runners.masking import Masker

log = structlog.get_logger(__name__)


class LogSink:
    """``write`` never blocks; a background task flushes every ``interval`` or ``batch`` lines."""

    def __init__(
        self, *, db: Database, bus: EventBus, claim: Claim, masker: Masker, interval: float, batch: int
    ) -> None:
        self.db, self.bus, self.claim, self.masker = db, bus, claim, masker
        self.interval, self.batch = interval, batch
        self.next_n = claim.log_offset
        self.step: int | None = None
        self._pending: list[Line] = []
        self._full = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"log-{self.claim.job_id}")

    def write(self, text: str) -> None:
        self._pending.append(Line(self.next_n, self.step, utcnow(), self.masker(text)))
        self.next_n += 1
        if len(self._pending) >= self.batch:
            self._full.set()

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self.interval)
            self._full.clear()
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            while self._pending:
                batch, self._pending = self._pending[: self.batch], self._pending[self.batch :]
                try:
                    await append_logs(self.db, self.bus, self.claim, batch)
                except Exception:
                    log.exception("log flush failed; will retry", job=self.claim.job_id)
                    self._pending[:0] = batch
                    return

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()
