"""What a running job tells the server, batched: log lines (masked, numbered, timestamped) and
step state changes, flushed together every ``interval`` or ``batch`` lines.

One flush is one transaction with at most two events (``pipeline_log`` then
``pipeline_execution_updated``), so a step's last lines always precede its final state, and a
run of quick steps costs a few transactions instead of several per step.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from conveyor.basics import utcnow
from conveyor.executions.claims import Claim, Line, StepChange
from conveyor.logs import get_logger
from conveyor.runners.link import JobLink
from conveyor.runners.masking import Masker, neutralise

log = get_logger(__name__)


class Reporter:
    """``write`` and ``step`` never block; a background task flushes."""

    def __init__(
        self,
        *,
        link: JobLink,
        claim: Claim,
        masker: Masker,
        interval: float,
        batch: int,
        lost: Callable[[], None],
        max_output_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        self.link, self.claim, self.masker = link, claim, masker
        self.interval, self.batch, self.lost = interval, batch, lost
        self.next_n = claim.log_offset
        self.output_bytes, self.max_output_bytes = 0, max_output_bytes
        self.step_index: int | None = None
        self._lines: list[Line] = []
        self._steps: list[StepChange] = []
        self._full = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._flushed_at = 0.0
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"report-{self.claim.job_id}")

    def write(self, text: str, origin: str = "runner") -> None:
        """A line of the runner's own (``origin="step"`` for a step's, see ``output``)."""
        self._lines.append(Line(self.next_n, self.step_index, utcnow(), self.masker(text), origin))
        self.next_n += 1
        if len(self._lines) >= self.batch:
            self._full.set()

    def output(self, text: str) -> None:
        """A line a step printed: stored as the step's, its terminal escapes made harmless, and
        dropped once the job has printed ``max_output_bytes`` (a runner line says so, once)."""
        if self.output_bytes > self.max_output_bytes:
            return
        self.output_bytes += len(text.encode()) + 1
        if self.output_bytes > self.max_output_bytes:
            self.write(
                f"=== log cut: this job printed more than {self.max_output_bytes} bytes "
                "(CONVEYOR_JOB_LOG_MAX_BYTES); the rest of its output is not kept ==="
            )
            return
        self.write(neutralise(text), origin="step")

    def step(self, change: StepChange) -> None:
        """Queue a step change; a step starting after a quiet spell is announced at once, so only
        quick successions of steps are batched."""
        self._steps.append(change)
        if asyncio.get_running_loop().time() - self._flushed_at >= self.interval:
            self._full.set()

    async def _loop(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self.interval)
            self._full.clear()
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            self._flushed_at = asyncio.get_running_loop().time()
            while self._lines or self._steps:
                lines, self._lines = self._lines[: self.batch], self._lines[self.batch :]
                steps, self._steps = ([], self._steps) if self._lines else (self._steps, [])
                try:
                    held = await self.link.report(self.claim, lines=lines, steps=steps)
                except Exception:
                    log.exception("job report failed; will retry", job=self.claim.job_id)
                    self._lines[:0], self._steps[:0] = lines, steps
                    return
                if not held:
                    self._lines, self._steps = [], []
                    self.lost()

    async def close(self) -> None:
        """Flush what is left. The loop is stopped, not cancelled: cancelling a transaction midway
        could leave its connection holding row locks that the final flush then waits for."""
        self._closing = True
        self._full.set()
        if self._task is not None:
            await self._task
        await self.flush()
