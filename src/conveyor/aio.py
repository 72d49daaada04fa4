"""Small asyncio helpers."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import structlog

log = structlog.get_logger(__name__)
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
