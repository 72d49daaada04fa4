"""The local executor: jobs run as subprocesses of this server, a bounded number at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from conveyor.executions.store import RunnerStore
from conveyor.logs import get_logger
from conveyor.runners.execute import execute_job
from conveyor.runners.job import JobRun, Runner
from conveyor.status import Status

log = get_logger(__name__)
SHUTDOWN = "runner stopped: the server shut down while the job ran"


class LocalExecutor:
    def __init__(self, runner: Runner, store: RunnerStore, *, max_parallel: int) -> None:
        self.runner, self.store = runner, store
        self.max_parallel = max_parallel
        self._slots = asyncio.Semaphore(max_parallel)
        self._runs: dict[str, JobRun] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    async def dispatch(self, job_ids: Sequence[str]) -> None:
        for job_id in job_ids:
            task = asyncio.create_task(self._run(job_id), name=f"job-{job_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, job_id: str) -> None:
        try:
            async with self._slots:
                if self._closing:
                    return
                await execute_job(
                    self.runner,
                    self.store,
                    job_id,
                    dispatch=self.dispatch,
                    started=lambda run: self._track(job_id, run),
                )
        except Exception:
            log.exception("local job failed in the runner", job=job_id)
        finally:
            self._runs.pop(job_id, None)

    async def runner_labels(self) -> list[frozenset[str]]:
        return [self.runner.labels] if self.runner.labels is not None else [frozenset()]

    @property
    def busy_slots(self) -> int:
        return len(self._runs)

    def _track(self, job_id: str, run: JobRun) -> None:
        self._runs[job_id] = run

    async def cancel(self, job_ids: Sequence[str]) -> None:
        for job_id in job_ids:
            run = self._runs.get(job_id)
            if run is not None:
                run.stop("cancelled", Status.CANCELLED)

    def cancel_all(self) -> None:
        for run in list(self._runs.values()):
            run.stop("cancelled", Status.CANCELLED)

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self, grace: float = 15.0) -> None:
        """Stop every running job (recorded as failed with the reason) and wait for the reports.

        Jobs still waiting for a slot stay queued; the next start of the server runs them.
        """
        self._closing = True
        for run in list(self._runs.values()):
            run.stop(SHUTDOWN)
        pending = [task for task in self._tasks if not task.done()]
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
