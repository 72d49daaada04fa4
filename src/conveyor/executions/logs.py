"""Reading a run's logs: pages of a job's lines (by step, by search) and the whole log as text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import Database
from conveyor.errors import NotFound
from conveyor.executions.models import Execution, Job, LogLine
from conveyor.executions.schemas import JobLog, LogLineRead, LogPage
from conveyor.executions.state import jobs_of
from conveyor.status import Status


@dataclass(frozen=True)
class LogQuery:
    """Which lines of a log to read: from line ``offset`` on, at most ``limit``, optionally only
    one step's and only those containing ``search`` (ignoring case)."""

    offset: int = 0
    limit: int = 1000
    step: int | None = None
    search: str | None = None


async def read_logs(
    session: AsyncSession, execution: Execution, *, job: str | None, query: LogQuery
) -> LogPage:
    """Lines of one job (by id or key), or of every job when ``job`` is None."""
    jobs = await _jobs_named(session, execution, job)
    return LogPage(execution_id=execution.id, jobs=[await _job_log(session, j, query) for j in jobs])


async def _jobs_named(session: AsyncSession, execution: Execution, job: str | None) -> list[Job]:
    jobs = await jobs_of(session, execution.id)
    if job is None:
        return jobs
    named = [j for j in jobs if job in (j.id, j.key)]
    if not named:
        raise NotFound(f"job {job} not found in execution {execution.id}")
    return named


async def _job_log(session: AsyncSession, job: Job, query: LogQuery) -> JobLog:
    statement = select(LogLine).where(LogLine.job_id == job.id, LogLine.n >= query.offset)
    if query.step is not None:
        statement = statement.where(LogLine.step == query.step)
    if query.search:
        statement = statement.where(func.lower(LogLine.text).contains(query.search.lower(), autoescape=True))
    rows = await session.execute(statement.order_by(LogLine.n).limit(query.limit))
    lines = [LogLineRead.model_validate(line) for line in rows.scalars()]
    next_offset = lines[-1].n + 1 if lines else query.offset
    exhausted = next_offset >= job.log_lines or (_filtered(query) and len(lines) < query.limit)
    return JobLog(
        job_id=job.id,
        key=job.key,
        offset=query.offset,
        next_offset=next_offset,
        done=Status(job.status).done and exhausted,
        lines=lines,
    )


def _filtered(query: LogQuery) -> bool:
    return query.step is not None or bool(query.search)


RAW_PAGE = 5000


async def job_for_raw_log(session: AsyncSession, execution: Execution, job: str) -> Job:
    return (await _jobs_named(session, execution, job))[0]


async def raw_log(db: Database, job_id: str) -> AsyncIterator[bytes]:
    """A job's whole log as text, a page of lines at a time, each read in its own short session."""
    offset = 0
    while True:
        statement = (
            select(LogLine.n, LogLine.text)
            .where(LogLine.job_id == job_id, LogLine.n >= offset)
            .order_by(LogLine.n)
            .limit(RAW_PAGE)
        )
        async with db.session() as session:
            rows = (await session.execute(statement)).all()
        if not rows:
            return
        yield "".join(f"{text}\n" for _, text in rows).encode()
        offset = rows[-1].n + 1
