"""Apply a patch (a commit on ``conveyor/fix-<session>`` or the pipeline's definition), verify it
with a run, and roll it back exactly: the branch deleted, the definition restored."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.principal import Principal
from conveyor.auth.roles import Role
from conveyor.db import utcnow
from conveyor.debug import memory, sessions
from conveyor.debug.fixers.base import PIPELINE_FILE
from conveyor.debug.git import GitError, clone_at, git
from conveyor.debug.models import DebugPatch, DebugSession
from conveyor.debug.schemas import PatchRead, PatchResult, PatchStatus, PatchTarget, SessionStatus
from conveyor.errors import Conflict, NotFound
from conveyor.events.bus import EventBus
from conveyor.events.catalog import DebugPatchResultData, EventType
from conveyor.events.schemas import Emission, emission
from conveyor.executions import runs
from conveyor.executions.executor import Executor
from conveyor.executions.models import Execution
from conveyor.executions.service import Trigger
from conveyor.executions.sqlstore import SqlTx
from conveyor.notifications.schemas import ActivityKind
from conveyor.notifications.service import activity
from conveyor.pipelines.models import Pipeline
from conveyor.pipelines.schemas import PipelineUpdate
from conveyor.pipelines.service import update_pipeline
from conveyor.projects.models import Project
from conveyor.status import Status

APPLIED = frozenset({PatchStatus.VERIFYING, PatchStatus.VERIFIED, PatchStatus.FAILED})


def branch_of(debug: DebugSession) -> str:
    return f"conveyor/fix-{debug.id}"


async def require_patch(
    session: AsyncSession, principal: Principal, patch_id: str, needed: Role
) -> DebugPatch:
    """The patch if the caller holds ``needed`` where its session belongs (a stranger gets 404)."""
    patch = await session.get(DebugPatch, patch_id)
    if patch is None:
        raise NotFound(f"patch {patch_id} not found")
    try:
        await sessions.require_session(session, principal, patch.session_id, needed)
    except NotFound:
        raise NotFound(f"patch {patch_id} not found") from None
    return patch


async def _session_of(session: AsyncSession, patch: DebugPatch) -> DebugSession:
    debug = await session.get(DebugSession, patch.session_id)
    assert debug is not None  # the foreign key deletes a session's patches with it
    return debug


async def apply_patch(
    *, session: AsyncSession, bus: EventBus, executor: Executor, principal: Principal, patch: DebugPatch
) -> PatchRead:
    debug = await _session_of(session, patch)
    if patch.status != PatchStatus.PROPOSED:
        raise Conflict(f"patch {patch.id} is {patch.status}; only a proposed patch can be applied")
    if debug.execution_id is None:
        raise Conflict("this session has no run to verify the patch with")
    execution = await session.get(Execution, debug.execution_id)
    pipeline = await session.get(Pipeline, execution.pipeline_id) if execution else None
    if execution is None or pipeline is None:
        raise Conflict("the failed run or its pipeline no longer exists")
    if patch.target == PatchTarget.PIPELINE:
        ref, commit = await _apply_to_definition(session, bus, patch, pipeline, principal)
    else:
        ref, commit = await _apply_to_repository(session, bus, debug, patch)
    verification = await runs.start_execution(
        SqlTx(session, bus),
        executor=executor,
        pipeline=pipeline,
        actor_id=principal.user_id,
        trigger=Trigger.DEBUG,
        ref=ref or execution.ref,
        commit_sha=commit or execution.commit_sha,
    )
    patch.verification_execution_id, patch.status = verification.id, PatchStatus.VERIFYING
    patch.applied_at, patch.applied_by, patch.error = utcnow(), principal.user_id, None
    message = f"applied; verification run #{verification.number} started"
    event = _result_event(EventType.DEBUG_PATCH_APPLIED, debug, patch, message=message)
    did = _activity(principal, ActivityKind.PATCH_APPLIED, debug, patch, f"Applied {patch.fixer} patch")
    await sessions.set_status(session, bus, debug, SessionStatus.VERIFYING, event, did)
    return PatchRead.model_validate(patch)


async def _apply_to_repository(
    session: AsyncSession, bus: EventBus, debug: DebugSession, patch: DebugPatch
) -> tuple[str, str]:
    """Commit the patch on a new branch of the project's repository; the branch and commit."""
    url = await session.scalar(select(Project.repo_url).where(Project.id == debug.project_id))
    if not url:
        raise Conflict("the project has no repository to apply the patch to")
    branch = branch_of(debug)
    with tempfile.TemporaryDirectory(prefix="conveyor-apply-") as scratch:
        work = Path(scratch) / "repo"
        try:
            await clone_at(url, patch.base_commit, work)
        except GitError as exc:
            raise Conflict(f"the repository cannot be read: {exc}") from None
        if await _remote_sha(work, f"refs/heads/{branch}"):
            raise Conflict(f"the branch {branch} already exists in the repository")
        try:
            await git("apply", "--index", "--whitespace=nowarn", "-", cwd=work, stdin=patch.diff.encode())
        except GitError as exc:
            raise Conflict(f"the patch no longer applies; the repository is untouched: {exc}") from None
        await git("commit", "--quiet", "--no-verify", "-m", _message(debug, patch), cwd=work)
        commit = (await git("rev-parse", "HEAD", cwd=work)).strip()
        try:
            await git("push", "--quiet", "--no-verify", "origin", f"HEAD:refs/heads/{branch}", cwd=work)
        except GitError as exc:
            await _refused(session, bus, debug, patch, f"the repository cannot be written: {exc}")
    patch.branch, patch.commit, patch.undo = branch, commit, {"branch": branch, "commit": commit}
    return branch, commit


async def _refused(
    session: AsyncSession, bus: EventBus, debug: DebugSession, patch: DebugPatch, why: str
) -> None:
    """Record why apply failed (the session says so), then refuse the request."""
    patch.error = why
    debug.explanation = f"{debug.explanation} Applying patch {patch.id} failed: {why}".strip()
    event = _result_event(EventType.DEBUG_PATCH_APPLIED, debug, patch, message=why, success=False)
    await sessions.set_status(session, bus, debug, SessionStatus(debug.status), event)
    raise Conflict(why)


def _message(debug: DebugSession, patch: DebugPatch) -> str:
    first = patch.explanation.split(". ")[0][:60]
    return f"conveyor: {patch.fixer} fix: {first}\n\n{patch.explanation}\n\nDebug session: {debug.id}\n"


async def _remote_sha(work: Path, ref: str) -> str | None:
    out = (await git("ls-remote", "origin", ref, cwd=work)).split()
    return out[0] if out else None


async def _apply_to_definition(
    session: AsyncSession, bus: EventBus, patch: DebugPatch, pipeline: Pipeline, actor: Principal
) -> tuple[None, None]:
    before = pipeline.definition
    with tempfile.TemporaryDirectory(prefix="conveyor-apply-") as scratch:
        (Path(scratch) / PIPELINE_FILE).write_text(before)
        try:
            await git("apply", "--whitespace=nowarn", "-", cwd=Path(scratch), stdin=patch.diff.encode())
        except GitError as exc:
            raise Conflict(f"the patch no longer applies to the pipeline; it is untouched: {exc}") from None
        after = (Path(scratch) / PIPELINE_FILE).read_text()
    await update_pipeline(
        session=session, bus=bus, pipeline=pipeline, data=PipelineUpdate(definition=after), actor=actor
    )
    patch.undo = {"pipelineId": pipeline.id, "definition": before, "applied": after}
    return None, None


async def rollback_patch(
    *, session: AsyncSession, bus: EventBus, principal: Principal, patch: DebugPatch
) -> PatchRead:
    debug = await _session_of(session, patch)
    if patch.status not in APPLIED or not patch.undo:
        raise Conflict(f"patch {patch.id} is {patch.status}; only an applied patch can be rolled back")
    if patch.target == PatchTarget.PIPELINE:
        message = await _restore_definition(session, bus, patch, principal)
    else:
        message = await _delete_branch(session, debug, patch)
    patch.status, patch.rolled_back_at = PatchStatus.ROLLED_BACK, utcnow()
    event = _result_event(EventType.DEBUG_PATCH_ROLLBACK, debug, patch, message=message)
    did = _activity(
        principal, ActivityKind.PATCH_ROLLED_BACK, debug, patch, f"Rolled back {patch.fixer} patch"
    )
    await sessions.set_status(session, bus, debug, SessionStatus.ROLLED_BACK, event, did)
    return PatchRead.model_validate(patch)


async def _delete_branch(session: AsyncSession, debug: DebugSession, patch: DebugPatch) -> str:
    assert patch.undo is not None
    branch, commit = patch.undo["branch"], patch.undo["commit"]
    url = await session.scalar(select(Project.repo_url).where(Project.id == debug.project_id))
    if not url:
        raise Conflict("the project no longer has a repository")
    lease = f"--force-with-lease=refs/heads/{branch}:{commit}"
    try:
        await git("push", "--quiet", "--no-verify", lease, url, f":refs/heads/{branch}")
    except GitError as exc:
        raise Conflict(f"the branch {branch} cannot be deleted (changed since?): {exc}") from None
    return f"the branch {branch} is deleted; the repository is as it was before the patch"


async def _restore_definition(
    session: AsyncSession, bus: EventBus, patch: DebugPatch, actor: Principal
) -> str:
    assert patch.undo is not None
    pipeline = await session.get(Pipeline, patch.undo["pipelineId"])
    if pipeline is None:
        raise Conflict("the pipeline no longer exists")
    if pipeline.definition != patch.undo["applied"]:
        raise Conflict("the pipeline changed since the patch was applied; it is left as it is")
    data = PipelineUpdate(definition=patch.undo["definition"])
    await update_pipeline(session=session, bus=bus, pipeline=pipeline, data=data, actor=actor)
    return f"the pipeline {pipeline.name} has its definition from before the patch again"


def _activity(
    principal: Principal, kind: ActivityKind, debug: DebugSession, patch: DebugPatch, summary: str
) -> Emission:
    where = f" ({patch.branch})" if patch.branch else ""
    return activity(
        principal.user_id,
        kind,
        f"{summary}{where}",
        projectId=debug.project_id,
        sessionId=debug.id,
        patchId=patch.id,
    )


def _result_event(
    event_type: EventType, debug: DebugSession, patch: DebugPatch, *, message: str, success: bool = True
) -> Emission:
    result = PatchResult(
        success=success,
        message=message,
        branch=patch.branch,
        commit=patch.commit,
        verification_execution_id=patch.verification_execution_id,
        verified=patch.verified,
    )
    data = DebugPatchResultData(sessionId=debug.id, patchId=patch.id, result=result)
    return emission(event_type, data, **sessions.audience(debug))


async def verification_ended(session: AsyncSession, bus: EventBus, execution: Execution) -> bool:
    """If ``execution`` verifies a patch: record the outcome (session ``fixed`` or ``unfixed``)."""
    statement = select(DebugPatch).where(DebugPatch.verification_execution_id == execution.id)
    patch = (await session.execute(statement)).scalar_one_or_none()
    if patch is None:
        return False
    if patch.status != PatchStatus.VERIFYING:
        return True
    debug = await session.get(DebugSession, patch.session_id)
    assert debug is not None
    patch.verified = execution.status == Status.SUCCESS
    patch.status = PatchStatus.VERIFIED if patch.verified else PatchStatus.FAILED
    if patch.verified:
        await memory.remember(session, debug, patch)
    message = f"verification run #{execution.number} {execution.status}"
    event = _result_event(EventType.DEBUG_PATCH_APPLIED, debug, patch, message=message)
    status = SessionStatus.FIXED if patch.verified else SessionStatus.UNFIXED
    await sessions.set_status(session, bus, debug, status, event)
    return True
