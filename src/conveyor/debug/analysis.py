"""From a failed run to a diagnosis: the failed jobs' logs, their errors, the cause and its signature.

Pure functions over text plus one reader of the execution's logs; nothing here writes.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.debug.redact import redact
from conveyor.debug.schemas import ClassificationResult, DetectedError, InvalidLogError
from conveyor.executions.models import Job, LogLine, Step
from conveyor.status import FAILED_ON_ITS_OWN, Status

# A session reads at most this much of a log: its tail, where CI failures are reported.
MAX_SESSION_LOG_CHARS = 2 * 1024 * 1024
MAX_JOB_LINES = 20_000
MAX_LINE_CHARS = 2000

EXPLANATIONS = {
    "dependency_missing": "a module or package the code needs is not installed",
    "dependency_conflict": "the dependency resolver found requirements that cannot be satisfied together",
    "compile_error": "the code does not compile",
    "test_failure": "tests failed",
    "lint_format": "the linter or formatter rejected the code",
    "type_check": "the type checker found errors",
    "timeout": "a step ran out of time",
    "out_of_memory": "a process ran out of memory",
    "network": "a network operation failed",
    "permission_auth": "a permission or authentication check failed",
    "configuration": "the configuration is invalid",
    "disk_space": "the disk ran full",
    "infrastructure": "the CI infrastructure failed",
}


@dataclass(frozen=True)
class FailedStep:
    """Where a job failed, with the timeouts it had (``job`` is its id in the definition)."""

    job: str
    step: str | None
    step_index: int | None
    timed_out: bool
    job_timeout: float
    step_timeout: float | None


@dataclass(frozen=True)
class LocatedError:
    """A detected error with where it came from in the run."""

    error: DetectedError
    job: str | None = None
    step: str | None = None
    log_line: int | None = None


@dataclass
class JobText:
    execution_id: str
    key: str
    lines: list[tuple[int, int | None, str]]  # (n, step index, text)
    steps: list[str] = field(default_factory=list)
    failed_step: str | None = None
    failure: FailedStep | None = None

    @property
    def text(self) -> str:
        return "\n".join(line for _, _, line in self.lines)


@dataclass(frozen=True)
class Diagnosis:
    result: ClassificationResult
    errors: list[LocatedError]
    explanation: str
    signature: str | None
    log: str = ""
    failed: list[FailedStep] = field(default_factory=list)


async def failed_job_logs(session: AsyncSession, execution_id: str) -> list[JobText]:
    """The failed jobs of an execution with the tail of their logs, in pipeline order."""
    statement = select(Job).where(Job.execution_id == execution_id).order_by(Job.position)
    jobs = [job for job in (await session.execute(statement)).scalars() if job.status in FAILED_ON_ITS_OWN]
    return [await _job_text(session, job) for job in jobs]


async def _job_text(session: AsyncSession, job: Job) -> JobText:
    lines = select(LogLine.n, LogLine.step, LogLine.text).where(
        LogLine.job_id == job.id, LogLine.n >= job.log_lines - MAX_JOB_LINES
    )
    rows = [(n, step, text) for n, step, text in await session.execute(lines.order_by(LogLine.n))]
    steps = list(
        (await session.execute(select(Step).where(Step.job_id == job.id).order_by(Step.position))).scalars()
    )
    failed = next((s for s in steps if s.status in FAILED_ON_ITS_OWN), None)
    index = failed.position if failed else None
    failure = FailedStep(
        job=job.plan.job or job.key,
        step=failed.name if failed else None,
        step_index=index,
        timed_out=Status.TIMED_OUT in (job.status, failed.status if failed else None),
        job_timeout=job.plan.timeout,
        step_timeout=job.plan.steps[index].timeout
        if index is not None and index < len(job.plan.steps)
        else None,
    )
    return JobText(
        job.execution_id, job.key, rows, [s.name for s in steps], failed.name if failed else None, failure
    )


async def diagnose_jobs(jobs: Sequence[JobText]) -> Diagnosis:
    """Classify the first failed job's log; collect the errors of every failed job."""
    from conveyor.debug.classify import classify_log  # scikit-learn (~1 s) on the first diagnosis only

    located: list[LocatedError] = []
    first: ClassificationResult | None = None
    texts = [cap(job.text) for job in jobs]
    for job, text in zip(jobs, texts, strict=True):
        try:
            result = await asyncio.to_thread(classify_log, text)
        except InvalidLogError:
            continue
        first = first or result
        located += [_locate(error, job) for error in result.errors]
    result = first or ClassificationResult(label=None, confidence=0.0, top=[], errors=[])
    failed = [job.failure for job in jobs if job.failure]
    return _diagnosis(result, located, "\n".join(texts), failed)


async def diagnose_log(log: str) -> Diagnosis:
    """A log without a run (may raise ``InvalidLogError`` for binary input)."""
    from conveyor.debug.classify import classify_log

    text = cap(log)
    result = await asyncio.to_thread(classify_log, text)
    return _diagnosis(result, [LocatedError(error) for error in result.errors], text, [])


def cap(text: str) -> str:
    """The tail of an over-long log, each line cut to ``MAX_LINE_CHARS``: a 50 MB log (or one
    line of 50 MB) is read in bounded time, never refused or crashed on. Well-known credential
    shapes are redacted: errors and excerpts are stored and sent to every project member."""
    tail = text if len(text) <= MAX_SESSION_LOG_CHARS else text[-MAX_SESSION_LOG_CHARS:]
    if any(len(line) > MAX_LINE_CHARS for line in tail.splitlines()):
        tail = "\n".join(line[:MAX_LINE_CHARS] for line in tail.splitlines())
    return redact(tail)


def _diagnosis(
    result: ClassificationResult, errors: list[LocatedError], log: str, failed: list[FailedStep]
) -> Diagnosis:
    return Diagnosis(result, errors, explain(result, errors), signature(result, errors), log, failed)


def _locate(error: DetectedError, job: JobText) -> LocatedError:
    error = _in_repository(error, job.execution_id)
    needle = _last_line(error.excerpt) or error.message
    for n, step, text in reversed(job.lines):
        if needle and needle in text:
            name = job.steps[step] if step is not None and step < len(job.steps) else job.failed_step
            return LocatedError(error, job.key, name, n)
    return LocatedError(error, job.key, job.failed_step, None)


def _in_repository(error: DetectedError, execution_id: str) -> DetectedError:
    """A path inside the job's workspace (``<workspaces>/<execution>/<job>/...``) made relative."""
    marker = f"/{execution_id}/"
    if not error.file or marker not in error.file:
        return error
    inside = error.file.split(marker, 1)[1].partition("/")[2]
    return error.model_copy(update={"file": inside or None})


def _last_line(excerpt: str) -> str:
    lines = [line.strip() for line in excerpt.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def explain(result: ClassificationResult, errors: Sequence[LocatedError]) -> str:
    """One or two sentences a person can act on, without any provider."""
    if result.label is None:
        return "The log holds nothing to diagnose."
    cause = EXPLANATIONS.get(result.label, result.label)
    text = f"Probable cause ({result.label}, {result.confidence:.0%}): {cause}."
    if errors:
        first = errors[0]
        where = _where(first)
        text += f" First error: {first.error.message}" + (f" at {where}" if where else "") + "."
    return text


def _where(located: LocatedError) -> str:
    parts = []
    if located.error.file:
        parts.append(located.error.file + (f":{located.error.line}" if located.error.line else ""))
    if located.job:
        parts.append(f"job {located.job}" + (f", step {located.step}" if located.step else ""))
    return " in ".join(parts)


_VOLATILE = re.compile(r"0x[0-9a-f]+|\b[0-9a-f]{7,40}\b|\d+(\.\d+)*|/tmp/\S+", re.IGNORECASE)


def signature(result: ClassificationResult, errors: Sequence[LocatedError]) -> str | None:
    """The failure's fingerprint: its cause and first error, without numbers, hashes or temp paths."""
    if result.label is None:
        return None
    message = _VOLATILE.sub("#", errors[0].error.message.lower()) if errors else ""
    file = errors[0].error.file or "" if errors else ""
    return hashlib.sha256(f"{result.label}|{file}|{message}".encode()).hexdigest()[:40]
