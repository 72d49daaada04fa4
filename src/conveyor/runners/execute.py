"""The life of one job on any runner: claim it, run it, report it, move its execution along."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence

from conveyor.db import Database
from conveyor.events.bus import EventBus
from conveyor.executions import updates
from conveyor.executions.dag import advance
from conveyor.executions.sqlstore import SqlTx
from conveyor.runners.job import JobRun, Result, RunnerEnv

Dispatch = Callable[[Sequence[str]], Awaitable[None]]


def runner_id(kind: str) -> str:
    """``kind@host:instance``: the host lets a restarted node recognise its own orphans."""
    return f"{kind}@{socket.gethostname()}:{uuid.uuid4().hex[:12]}"


def host_of(runner: str) -> str:
    return runner.partition("@")[2].rpartition(":")[0]


async def execute_job(
    env: RunnerEnv,
    job_id: str,
    *,
    dispatch: Dispatch,
    started: Callable[[JobRun], None] = lambda _: None,
) -> Result | None:
    """Run the job if it is still queued; None when another runner has it or it was cancelled."""
    claim = await updates.claim_job(
        env.db, env.bus, job_id, runner=env.runner_id, lease=env.settings.job_lease_seconds, labels=env.labels
    )
    if claim is None:
        return None
    run = JobRun(env, env.link(), claim, await updates.job_secrets(env.db, env.cipher, claim))
    started(run)
    result = await run.run()
    await job_ended(env.db, env.bus, dispatch, claim.execution_id)
    return result


async def job_ended(db: Database, bus: EventBus, dispatch: Dispatch, execution_id: str) -> None:
    """After a job ended (or was lost): dispatch the jobs that are ready now."""
    async with db.write_session() as session:
        ready = await advance(SqlTx(session, bus), execution_id)
    await dispatch(ready)
