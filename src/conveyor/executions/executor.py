"""What the pipeline services need from whatever runs jobs (local runner, Celery workers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Executor(Protocol):
    async def dispatch(self, job_ids: Sequence[str]) -> None:
        """Run these jobs (marked dispatched and committed by the caller) when capacity allows."""

    async def cancel(self, job_ids: Sequence[str]) -> None:
        """Stop these running jobs soon; runners also learn it from their heartbeat."""
