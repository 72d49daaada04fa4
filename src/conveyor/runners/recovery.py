"""Nothing stays running forever: jobs whose runner died are failed (or retried) and announced."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

import structlog
from sqlalchemy import select, update

from conveyor.aio import Periodic
from conveyor.db import utcnow
from conveyor.executions import routing, updates
from conveyor.executions.models import Execution, Job
from conveyor.runners.execute import Dispatch, host_of, job_ended
from conveyor.runners.node import RunnerEnv
from conveyor.runners.process import kill_group
from conveyor.status import TERMINAL, Status

log = structlog.get_logger(__name__)
RESTARTED = "runner lost: the server stopped while the job ran"


async def reap(env: RunnerEnv, dispatch: Dispatch) -> list[str]:
    """Jobs whose lease ran out (their runner stopped heartbeating); returns their ids."""
    now = utcnow()
    async with env.db.session() as session:
        statement = select(Job.id, Job.runner, Job.execution_id).where(
            Job.status == Status.RUNNING.value, Job.lease_expires_at < now
        )
        rows = list((await session.execute(statement)).tuples())
    lost = []
    for job_id, runner, execution_id in rows:
        silent = env.settings.job_lease_seconds
        reason = f"runner lost: no heartbeat from {runner} for over {silent:g}s"
        if await updates.lose_job(env.db, env.bus, job_id, reason=reason, expired_before=now):
            lost.append(job_id)
            await _advance(env, dispatch, [execution_id])
    return lost


async def redispatch(env: RunnerEnv, dispatch: Dispatch) -> list[str]:
    """Jobs queued for a worker but never taken (a message lost with a dying worker): queue them
    again. A job taken twice is impossible (claiming is atomic), so a duplicate message is harmless."""
    now = utcnow()
    stale = now - timedelta(seconds=env.settings.redispatch_seconds)
    async with env.db.write_session() as session:
        statement = (
            update(Job)
            .where(Job.status == Status.QUEUED.value, Job.dispatched_at < stale)
            .values(dispatched_at=now)
            .returning(Job.id)
        )
        job_ids = list((await session.execute(statement)).scalars())
        await session.commit()
    if job_ids:
        log.warning("jobs queued again: no worker took them", jobs=job_ids)
        await dispatch(job_ids)
    return job_ids


async def recover_local(env: RunnerEnv, dispatch: Dispatch) -> None:
    """At start: jobs a previous local runner on this host left running are dead; queued ones resume."""
    host = socket.gethostname()
    async with env.db.session() as session:
        statement = select(Job.id, Job.runner, Job.pgid).where(Job.status == Status.RUNNING.value)
        rows = list((await session.execute(statement)).tuples())
    for job_id, runner, pgid in rows:
        if runner and runner.startswith("local@") and host_of(runner) == host and runner != env.runner_id:
            if pgid and kill_group(pgid):
                log.warning("killed an orphaned job's processes", job=job_id, pgid=pgid)
            await updates.lose_job(env.db, env.bus, job_id, reason=RESTARTED, expired_before=None)
    await _requeue_local(env)
    await _advance(env, dispatch, await _active_executions(env))


async def _requeue_local(env: RunnerEnv) -> None:
    """Jobs handed to a local runner that died before taking them: dispatch them again."""
    async with env.db.write_session() as session:
        await session.execute(update(Job).where(Job.status == Status.QUEUED.value).values(dispatched_at=None))
        await session.commit()


async def _active_executions(env: RunnerEnv) -> list[str]:
    async with env.db.session() as session:
        statement = select(Execution.id).where(Execution.status.not_in(sorted(TERMINAL)))
        return list((await session.execute(statement)).scalars())


async def _advance(env: RunnerEnv, dispatch: Dispatch, execution_ids: Sequence[str]) -> None:
    for execution_id in execution_ids:
        await job_ended(env.store, dispatch, execution_id)


RunnerLabels = Callable[[], Awaitable[list[frozenset[str]]]]


async def watch_unclaimed(env: RunnerEnv, dispatch: Dispatch, runners: RunnerLabels) -> None:
    """Dispatched jobs no runner can take say why, and fail after CONVEYOR_RUNNER_WAIT_SECONDS."""
    timeout = env.settings.runner_wait_seconds
    failed = await routing.watch_dispatched(env.db, env.bus, await runners(), patience=timeout)
    await _advance(env, dispatch, failed)


class Reaper:
    """Runs ``reap``, ``watch_unclaimed`` (and for remote workers ``redispatch``) every few
    seconds on each server node."""

    def __init__(
        self, env: RunnerEnv, dispatch: Dispatch, *, redispatch_stale: bool, runners: RunnerLabels
    ) -> None:
        self.env, self.dispatch, self.redispatch_stale = env, dispatch, redispatch_stale
        self.runners = runners
        interval = env.settings.reaper_interval_seconds
        self.loop = Periodic("conveyor-reaper", self.pass_once, interval=interval, first_delay=interval)

    def start(self) -> None:
        self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()

    async def pass_once(self) -> None:
        await reap(self.env, self.dispatch)
        await watch_unclaimed(self.env, self.dispatch, self.runners)
        if self.redispatch_stale:
            await redispatch(self.env, self.dispatch)
