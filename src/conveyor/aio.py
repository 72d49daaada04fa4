"""Small asyncio helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from conveyor.logs import get_logger

log = get_logger(__name__)
_running: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, Any], *, name: str | None = None) -> asyncio.Task[Any]:
    """Start a fire-and-forget task that is neither garbage-collected early nor fails silently."""
    task = asyncio.ensure_future(coro)
    if name:
        task.set_name(name)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("background task failed", task=task.get_name(), exc_info=task.exception())


STOP_GRACE_SECONDS = 10.0


async def cancel_and_wait(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancel background tasks and let them unwind (close their sessions) before going on, so
    nothing still uses the database when it is disposed."""
    running = [task for task in tasks if task is not None and not task.done()]
    for task in running:
        task.cancel()
    if running:
        _, stuck = await asyncio.wait(running, timeout=STOP_GRACE_SECONDS)
        for task in stuck:
            log.warning("background task did not stop in time", task=task.get_name())


class Periodic:
    """A background loop on every node: ``work`` every ``interval`` seconds, the first time after
    ``first_delay``; a failure is logged and the loop goes on."""

    def __init__(
        self, name: str, work: Callable[[], Awaitable[object]], *, interval: float, first_delay: float = 0.0
    ) -> None:
        self.name, self.work, self.interval, self.first_delay = name, work, interval, first_delay
        self._task: asyncio.Task[None] | None = None
        self.last_success: float | None = None  # time.monotonic() of the last run that did not fail

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)

    async def _run(self) -> None:
        delay = self.first_delay
        while True:
            if delay > 0:
                await asyncio.sleep(delay)
            delay = self.interval
            try:
                await self.work()
                self.last_success = time.monotonic()
            except Exception:
                log.exception("periodic task failed", task=self.name)
