"""Which runner may take a job (its `runs-on` labels), and the jobs no runner can take: they wait
with the reason on the job, and fail once they have waited longer than allowed."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import Database, utcnow
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventType
from conveyor.executions.models import Job, Step
from conveyor.executions.state import execution_event, lock_execution
from conveyor.status import Status


async def job_labels(db: Database, job_ids: Sequence[str]) -> dict[str, list[str]]:
    """The `runs-on` labels of these jobs, by id (what routes each to a runner)."""
    async with db.session() as session:
        rows = await session.execute(select(Job.id, Job.plan).where(Job.id.in_(list(job_ids))))
        return {job_id: plan.labels for job_id, plan in rows.tuples()}


def no_runner_reason(labels: Collection[str], runners: Collection[frozenset[str]]) -> str | None:
    """Why no runner can take a job with these labels (None when one can)."""
    if any(set(labels) <= offered for offered in runners):
        return None
    if not runners:
        return "waiting for a runner: none is running"
    wanted = ", ".join(sorted(labels))
    seen = "; ".join(sorted(", ".join(sorted(offered)) for offered in set(runners)))
    return f"waiting for a runner with labels [{wanted}]: the runners have [{seen}]"


async def watch_dispatched(
    db: Database, bus: EventBus, runners: Collection[frozenset[str]], *, patience: float
) -> list[str]:
    """Give each dispatched job that no runner can take its reason (or clear it when one can),
    and fail those that waited past ``patience`` seconds. Returns the executions of failed jobs."""
    async with db.session() as session:
        statement = select(Job.id, Job.plan, Job.wait_reason, Job.waiting_since).where(
            Job.status == Status.QUEUED.value, Job.dispatched_at.is_not(None)
        )
        rows = list((await session.execute(statement)).tuples())
    ended: list[str] = []
    now = utcnow()
    for job_id, plan, current, since in rows:
        reason = no_runner_reason(plan.labels, runners)
        if reason != current or (reason is not None and _waited_too_long(since, now, patience)):
            execution_id = await _note(db, bus, job_id, reason, patience)
            if execution_id is not None:
                ended.append(execution_id)
    return ended


async def _note(db: Database, bus: EventBus, job_id: str, reason: str | None, patience: float) -> str | None:
    """Record the job's new reason to wait (or fail it when it waited too long) and announce it;
    the execution's id when the job failed."""
    async with db.write_session() as session:
        job = await session.get(Job, job_id)
        if job is None:
            return None
        execution = await lock_execution(session, job.execution_id)
        await session.refresh(job)
        if job.status != Status.QUEUED or job.dispatched_at is None:
            await session.commit()
            return None
        now = utcnow()
        failed = reason is not None and _waited_too_long(job.waiting_since, now, patience)
        if failed:
            await _fail(session, job, f"{reason} (gave up after {patience:g}s)", now)
        elif reason is None or job.wait_reason is None or job.waiting_since is None:
            job.waiting_since = now if reason is not None else None
        job.wait_reason = None if failed else reason
        await bus.commit(
            session, await execution_event(session, EventType.PIPELINE_EXECUTION_UPDATED, execution)
        )
        return execution.id if failed else None


def _waited_too_long(since: datetime | None, now: datetime, patience: float) -> bool:
    return since is not None and now - since >= timedelta(seconds=patience)


async def _fail(session: AsyncSession, job: Job, error: str, now: datetime) -> None:
    job.status, job.error, job.finished_at = Status.FAILED, error, now
    await session.execute(update(Step).where(Step.job_id == job.id).values(status=Status.SKIPPED.value))
