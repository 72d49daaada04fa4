"""The debugging loop's entry points: a run ended, or someone opened a session by hand.

Each phase writes in its own short transaction (``Opener``) and the slow work (reading the
logs, the classifier, fixers) happens between them, so a runner's writes never wait on it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.config import Settings
from conveyor.db import Database
from conveyor.debug import flaky, memory, patches, sessions
from conveyor.debug.analysis import Diagnosis, cap, diagnose_jobs, diagnose_log, failed_job_logs
from conveyor.debug.apply import verification_ended
from conveyor.debug.fixers import BUILTIN_FIXERS, FixContext
from conveyor.debug.fixers.llm import LlmFixer
from conveyor.debug.git import GitError, clone_at
from conveyor.debug.models import DebugSession
from conveyor.debug.patches import Candidate
from conveyor.errors import Conflict
from conveyor.events.bus import EventBus
from conveyor.events.schemas import Emission
from conveyor.executions.models import Execution
from conveyor.notifications.service import notify
from conveyor.pipelines.models import Pipeline
from conveyor.projects.models import Project
from conveyor.status import FAILED_ON_ITS_OWN, TERMINAL

log = structlog.get_logger(__name__)
Opener = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def execution_ended(db: Database, bus: EventBus, settings: Settings, execution_id: str) -> None:
    """An execution ended (``watcher.py`` read it from the event log): a verification run
    records its patch's outcome, retried jobs that passed are flaky, a failed execution gets its
    session (once).

    A failure in here is logged: the next ended execution is handled all the same.
    """
    try:
        async with db.session() as session:
            execution = await session.get(Execution, execution_id)
            if execution is None or execution.status not in TERMINAL:
                return
        async with db.write_session() as session:
            if await verification_ended(session, bus, execution):
                return
            await flaky.record(session, execution)
        if execution.status in FAILED_ON_ITS_OWN:
            await open_for_execution(db.write_session, bus, settings, execution, actor_id=None)
    except Exception:
        log.exception("debug loop failed", execution=execution_id)


async def open_for_execution(
    opener: Opener, bus: EventBus, settings: Settings, execution: Execution, *, actor_id: str | None
) -> DebugSession | None:
    """Open and diagnose the session of this execution attempt; None if it already has one."""
    if execution.status not in FAILED_ON_ITS_OWN:
        raise Conflict(f"execution {execution.id} did not fail ({execution.status})")
    async with opener() as session:
        debug = await sessions.create_session(
            session,
            bus,
            project_id=execution.project_id,
            execution_id=execution.id,
            attempt=execution.attempt,
            created_by=actor_id or execution.actor_id,
        )
        if debug is None:
            return None
        jobs = await failed_job_logs(session, execution.id)
    diagnosis = await diagnose_jobs(jobs)
    async with opener() as session:
        debug = await _reload(session, debug)
        notes = await _notifications(session, debug, execution, diagnosis)
        await sessions.record_diagnosis(session, bus, debug, diagnosis, *notes)
    found, base = await _propose(opener, settings, execution, diagnosis)
    if found:
        async with opener() as session:
            await patches.record(session, bus, await _reload(session, debug), found, base)
    return debug


async def _propose(
    opener: Opener, settings: Settings, execution: Execution, diagnosis: Diagnosis
) -> tuple[list[Candidate], str | None]:
    """The built-in fixers' patches (the LLM's when none applies), worked out in a fresh clone
    at the failed commit."""
    async with opener() as session:
        repo_url = await session.scalar(select(Project.repo_url).where(Project.id == execution.project_id))
        remembered = await memory.recall(session, execution.project_id, diagnosis.signature)
        definition = await session.scalar(
            select(Pipeline.definition).where(Pipeline.id == execution.pipeline_id)
        )
    with tempfile.TemporaryDirectory(prefix="conveyor-debug-") as scratch:
        repo, base = None, execution.commit_sha
        if repo_url:
            try:
                base = await clone_at(repo_url, execution.commit_sha, Path(scratch) / "repo")
                repo = Path(scratch) / "repo"
            except GitError as exc:
                log.warning("debug: no working copy to fix in", execution=execution.id, error=str(exc))
        ctx = FixContext(
            label=diagnosis.result.label,
            errors=diagnosis.errors,
            log=diagnosis.log,
            repo=repo,
            definition=definition,
            failed=diagnosis.failed,
        )
        first = await memory.candidate(remembered, ctx) if remembered else None
        found = [c for c in await patches.generate(ctx, BUILTIN_FIXERS) if not first or c.diff != first.diff]
        found = [first, *found] if first else found
        if not found and settings.llm_url:
            found = await patches.generate(ctx, [LlmFixer.from_settings(settings)])
        return found, base


async def open_for_log(
    opener: Opener, bus: EventBus, *, log_text: str, project_id: str | None, actor_id: str
) -> DebugSession:
    """A session for a log alone; ``InvalidLogError`` (binary input) is the caller's 4xx."""
    diagnosis = await diagnose_log(log_text)
    async with opener() as session:
        debug = await sessions.create_session(
            session, bus, project_id=project_id, created_by=actor_id, log=cap(log_text)
        )
        assert debug is not None  # only execution attempts are unique
        await sessions.record_diagnosis(session, bus, debug, diagnosis)
    return debug


async def _reload(session: AsyncSession, debug: DebugSession) -> DebugSession:
    fresh = await session.get(DebugSession, debug.id, populate_existing=True)
    assert fresh is not None
    return fresh


async def _notifications(
    session: AsyncSession, debug: DebugSession, execution: Execution, diagnosis: Diagnosis
) -> list[Emission]:
    """The run's triggerer and the failed pipeline's owner each hear of the session once."""
    pipeline = await session.get(Pipeline, execution.pipeline_id)
    name = pipeline.name if pipeline else "pipeline"
    users = dict.fromkeys(u for u in (execution.actor_id, pipeline.created_by if pipeline else None) if u)
    label = diagnosis.result.label or "no diagnosis"
    return [
        notify(
            session,
            user_id=user_id,
            kind="debug_session",
            title=f"{name} #{execution.number} failed: {label}",
            body=f"{diagnosis.explanation}\nDebug session: /debug/sessions/{debug.id}",
            project_id=execution.project_id,
        )
        for user_id in users
    ]
