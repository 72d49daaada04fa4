"""The figures of jobs and executions the system metrics show (system sits below executions)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.executions.models import Execution, Job, Step
from conveyor.status import FAILED_ON_ITS_OWN, TERMINAL, Status
from conveyor.system.metrics import JobFigures

# Enough steps for stable percentiles without reading a busy hour whole.
MAX_STEPS = 5000
LOST_PREFIX = "runner lost:"  # how runners/recovery.py words a job whose runner went silent


async def job_figures(session: AsyncSession, since: datetime) -> JobFigures:
    # Queued = dispatched and waiting for a runner; jobs still waiting on their needs are not.
    by_status = select(Job.status, func.count()).where(
        Job.status.in_([Status.QUEUED.value, Status.RUNNING.value]), Job.dispatched_at.is_not(None)
    )
    counts = dict((await session.execute(by_status.group_by(Job.status))).tuples().all())
    ended = select(Execution.status, func.count()).where(
        Execution.finished_at >= since, Execution.status.in_([s.value for s in TERMINAL])
    )
    finished = dict((await session.execute(ended.group_by(Execution.status))).tuples().all())
    return JobFigures(
        queued=counts.get(Status.QUEUED.value, 0),
        running=counts.get(Status.RUNNING.value, 0),
        finished=sum(finished.values()),
        failed=sum(n for status, n in finished.items() if status in FAILED_ON_ITS_OWN),
        lost=await _lost_jobs(session, since),
        step_seconds=await _step_seconds(session, since),
    )


async def _lost_jobs(session: AsyncSession, since: datetime) -> int:
    lost = select(func.count()).where(Job.finished_at >= since, Job.error.like(f"{LOST_PREFIX}%"))
    return (await session.scalar(lost)) or 0


async def _step_seconds(session: AsyncSession, since: datetime) -> list[float]:
    statement = (
        select(Step.started_at, Step.finished_at)
        .where(Step.finished_at >= since, Step.started_at.is_not(None))
        .order_by(Step.finished_at.desc())
        .limit(MAX_STEPS)
    )
    return [
        (finished - started).total_seconds()
        for started, finished in (await session.execute(statement)).tuples()
        if started is not None and finished is not None
    ]
