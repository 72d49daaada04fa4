"""The life of one job on any runner: claim it, run it, report it, move its execution along."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence

from conveyor.executions import lifecycle
from conveyor.executions.dag import advance
from conveyor.executions.store import RunnerStore, StateStore
from conveyor.runners.job import JobRun, Result, Runner
from conveyor.runners.link import DirectLink

Dispatch = Callable[[Sequence[str]], Awaitable[None]]


def runner_id(kind: str) -> str:
    """``kind@host:instance``: the host lets a restarted node recognise its own orphans."""
    return f"{kind}@{socket.gethostname()}:{uuid.uuid4().hex[:12]}"


def host_of(runner: str) -> str:
    return runner.partition("@")[2].rpartition(":")[0]


async def execute_job(
    runner: Runner,
    store: RunnerStore,
    job_id: str,
    *,
    dispatch: Dispatch,
    started: Callable[[JobRun], None] = lambda _: None,
) -> Result | None:
    """Run the job if it is still queued; None when another runner has it or it was cancelled."""
    lease = runner.settings.job_lease_seconds
    claim = await lifecycle.claim_job(
        store, job_id, runner=runner.runner_id, lease=lease, labels=runner.labels
    )
    if claim is None:
        return None
    link = DirectLink(store, runner.runner_id, lease)
    run = JobRun(runner, link, claim, await store.job_secrets(claim))
    started(run)
    result = await run.run()
    await job_ended(store, dispatch, claim.execution_id)
    return result


async def job_ended(store: StateStore, dispatch: Dispatch, execution_id: str) -> None:
    """After a job ended (or was lost): dispatch the jobs that are ready now."""
    async with store.write() as tx:
        ready = await advance(tx, execution_id)
    await dispatch(ready)
