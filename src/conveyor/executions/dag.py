"""Moving an execution along its DAG: which jobs are ready, which are skipped, when it ends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import utcnow
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventType
from conveyor.events.schemas import Emission
from conveyor.executions.models import Execution, Job, Step
from conveyor.executions.state import (
    conveyor_context,
    execution_event,
    jobs_of,
    lock_execution,
    needs_context,
    outcome,
)
from conveyor.pipelines.spec.expressions import Context, ExpressionError, interpolate, parse_condition
from conveyor.status import FAILING, TERMINAL, Status


async def advance(session: AsyncSession, bus: EventBus, execution_id: str) -> list[str]:
    """Decide what happens next, commit it with its events, and return the jobs to dispatch.

    Safe to call any number of times from anywhere (API node, worker, reaper): it works under
    the execution's lock and marks each ready job dispatched exactly once.
    """
    execution = await lock_execution(session, execution_id)
    if execution.status in TERMINAL:
        await session.commit()
        return []
    jobs = await jobs_of(session, execution_id)
    now = utcnow()
    skipped, ready = _decide(execution, jobs, now, await conveyor_context(session, execution))
    if skipped:
        await _skip_steps(session, skipped)
    events: list[Emission] = []
    if all(Status(job.status).done for job in jobs):
        execution.status, execution.error = outcome(execution, jobs)
        execution.finished_at = now
        events.append(await execution_event(session, EventType.PIPELINE_EXECUTION_COMPLETED, execution))
    elif skipped:
        events.append(await execution_event(session, EventType.PIPELINE_EXECUTION_UPDATED, execution))
    await bus.commit(session, *events)
    return [job.id for job in ready]


def _decide(
    execution: Execution, jobs: Sequence[Job], now: datetime, conveyor: dict[str, Any]
) -> tuple[list[Job], list[Job]]:
    by_key = {job.key: job for job in jobs}
    skipped: list[Job] = []
    ready: list[Job] = []
    progress = True
    while progress:
        progress = False
        for job in jobs:
            if job.status != Status.QUEUED or job.dispatched_at is not None:
                continue
            needs = [by_key[key] for key in job.needs if key in by_key]
            if not all(Status(need.status).done for need in needs):
                continue
            reason = _reason_to_skip(execution, job, needs, conveyor)
            if reason is None:
                job.dispatched_at = now
                ready.append(job)
            else:
                job.status, job.error, job.finished_at = Status.SKIPPED, reason, now
                skipped.append(job)
                progress = True
    return skipped, ready


def _reason_to_skip(
    execution: Execution, job: Job, needs: Sequence[Job], conveyor: dict[str, Any]
) -> str | None:
    condition = parse_condition(job.plan.condition)
    unsuccessful = [need.key for need in needs if need.status != Status.SUCCESS]
    context = Context(
        success=not unsuccessful,
        failure=any(need.status in FAILING for need in needs),
        cancelled=execution.cancel_requested,
        matrix=job.plan.matrix,
        needs=needs_context(needs),
        conveyor=conveyor,
    )
    try:
        # the job's env as the condition sees it: no secrets, those reach only the runner
        context = replace(context, env={k: interpolate(v, context) for k, v in job.plan.env.items()})
        if condition.evaluate(context):
            return None
    except ExpressionError as exc:
        return f"skipped: if {condition.text} cannot be evaluated: {exc}"
    if unsuccessful and condition.evaluate(replace(context, success=True, failure=False)):
        return f"skipped: needed job {unsuccessful[0]!r} did not succeed"
    return f"skipped: if {condition.text} is false"


async def _skip_steps(session: AsyncSession, jobs: Sequence[Job]) -> None:
    await session.execute(
        update(Step).where(Step.job_id.in_([job.id for job in jobs])).values(status=Status.SKIPPED.value)
    )
