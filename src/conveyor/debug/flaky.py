"""Flaky jobs: failed and then passed on a retry of the same commit (the test names when the log
has them); a project's flakiest jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import new_id, utcnow
from conveyor.debug.analysis import MAX_JOB_LINES, cap
from conveyor.debug.detect import detect
from conveyor.debug.models import FlakyRun
from conveyor.debug.schemas import FlakyJobRead, InvalidLogError
from conveyor.executions.models import Execution, Job, LogLine
from conveyor.status import Status


async def record(session: AsyncSession, execution: Execution) -> list[FlakyRun]:
    """The jobs of ``execution`` that succeeded only on a later attempt, recorded once."""
    statement = select(Job).where(
        Job.execution_id == execution.id, Job.status == Status.SUCCESS.value, Job.attempt > 1
    )
    found = []
    for job in (await session.execute(statement)).scalars():
        known = select(FlakyRun.id).where(
            FlakyRun.execution_id == execution.id,
            FlakyRun.job_key == job.key,
            FlakyRun.attempt == job.attempt,
        )
        if await session.scalar(known) is not None:
            continue
        run = FlakyRun(
            id=new_id(),
            project_id=execution.project_id,
            pipeline_id=execution.pipeline_id,
            execution_id=execution.id,
            job_key=job.key,
            attempt=job.attempt,
            commit_sha=execution.commit_sha,
            tests=await _failed_tests(session, job),
            created_at=utcnow(),
        )
        session.add(run)
        found.append(run)
    await session.commit()
    return found


async def _failed_tests(session: AsyncSession, job: Job) -> list[str]:
    lines = select(LogLine.text).where(LogLine.job_id == job.id, LogLine.n >= job.log_lines - MAX_JOB_LINES)
    text = "\n".join((await session.execute(lines.order_by(LogLine.n))).scalars())
    try:
        errors = await asyncio.to_thread(detect, cap(text))
    except InvalidLogError:
        return []
    return list(dict.fromkeys(error.test for error in errors if error.test))


async def flakiest(session: AsyncSession, project_id: str, limit: int) -> list[FlakyJobRead]:
    """The project's jobs by how often they were flaky, most first."""
    statement = (
        select(FlakyRun.pipeline_id, FlakyRun.job_key, func.count(), func.max(FlakyRun.created_at))
        .where(FlakyRun.project_id == project_id)
        .group_by(FlakyRun.pipeline_id, FlakyRun.job_key)
        .order_by(func.count().desc(), func.max(FlakyRun.created_at).desc())
        .limit(limit)
    )
    rows = list((await session.execute(statement)).tuples())
    return [await _read(session, project_id, pipeline_id, key, count) for pipeline_id, key, count, _ in rows]


async def _read(
    session: AsyncSession, project_id: str, pipeline_id: str, key: str, count: int
) -> FlakyJobRead:
    statement = (
        select(FlakyRun)
        .where(
            FlakyRun.project_id == project_id, FlakyRun.pipeline_id == pipeline_id, FlakyRun.job_key == key
        )
        .order_by(FlakyRun.created_at.desc())
    )
    runs: Sequence[FlakyRun] = list((await session.execute(statement)).scalars())
    tests = list(dict.fromkeys(test for run in runs for test in run.tests or []))
    return FlakyJobRead(
        pipeline_id=pipeline_id,
        job_key=key,
        flaky_runs=count,
        last_seen=runs[0].created_at,
        last_execution_id=runs[0].execution_id,
        tests=tests,
    )
