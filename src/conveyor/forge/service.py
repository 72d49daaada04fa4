"""A project's forge link, and the commit statuses its executions set there.

The notification dispatcher (``channels/dispatcher.py``) reads execution events from the event
log and calls ``record_status`` in its batch's transaction: one row per execution holding its
latest state. ``send_due`` sends them afterwards, retried with backoff; a run never waits for,
or fails because of, its forge. A 401 marks the link broken (shown in REST and the dashboard)
until the link is saved again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.config import Settings
from conveyor.db import Database, new_id, take_due, utcnow
from conveyor.errors import InvalidInput, NotFound
from conveyor.forge.client import Answer, StatusRequest, send_status
from conveyor.forge.models import CommitStatus, ForgeLink
from conveyor.forge.schemas import (
    TOKEN_SECRET,
    CommitState,
    CommitStatusRead,
    DeliveryState,
    ForgeKind,
    ForgeLinkRead,
    ForgeLinkWrite,
)
from conveyor.pipelines.models import Pipeline
from conveyor.projects.models import ProjectSecret
from conveyor.projects.repos import RepoPolicy, check_api_url
from conveyor.projects.secrets import SecretCipher
from conveyor.status import Status

log = structlog.get_logger(__name__)
BATCH = 50
MAX_DESCRIPTION_CHARS = 140  # GitHub's limit
_STATES: dict[str, tuple[CommitState, str]] = {  # an execution's status -> its commit's
    Status.SUCCESS: (CommitState.SUCCESS, "succeeded"),
    Status.FAILED: (CommitState.FAILURE, "failed"),
    Status.TIMED_OUT: (CommitState.FAILURE, "timed out"),
    Status.CANCELLED: (CommitState.ERROR, "was cancelled"),
}


# The link ------------------------------------------------------------------------------------


async def get_link(session: AsyncSession, project_id: str) -> ForgeLinkRead | None:
    """The project's link; None when it has none (nothing is sent)."""
    link = await session.get(ForgeLink, project_id)
    return await _read(session, link) if link is not None else None


async def put_link(
    *, session: AsyncSession, policy: RepoPolicy, project_id: str, data: ForgeLinkWrite
) -> ForgeLinkRead:
    """Create or replace the link; saving it again clears a broken mark (say, after a new token)."""
    problem = data.check_repository()
    if problem:
        raise InvalidInput(problem)
    await check_api_url(data.api_url, policy, "apiUrl")
    link = await session.get(ForgeLink, project_id)
    if link is None:
        link = ForgeLink(project_id=project_id)
        session.add(link)
    link.kind, link.api_url, link.repository = data.kind.value, data.api_url.rstrip("/"), data.repository
    link.broken_reason = link.broken_at = None
    link.updated_at = utcnow()
    await session.commit()
    return await _read(session, link)


async def delete_link(*, session: AsyncSession, project_id: str) -> None:
    link = await session.get(ForgeLink, project_id)
    if link is None:
        raise NotFound("this project has no forge link")
    await session.delete(link)
    await session.commit()


async def list_statuses(session: AsyncSession, project_id: str, *, limit: int) -> list[CommitStatusRead]:
    statement = (
        select(CommitStatus)
        .where(CommitStatus.project_id == project_id)
        .order_by(CommitStatus.updated_at.desc())
        .limit(limit)
    )
    return [CommitStatusRead.model_validate(row) for row in (await session.execute(statement)).scalars()]


async def _read(session: AsyncSession, link: ForgeLink) -> ForgeLinkRead:
    token = await _token_row(session, link.project_id)
    return ForgeLinkRead(
        project_id=link.project_id,
        kind=ForgeKind(link.kind),
        api_url=link.api_url,
        repository=link.repository,
        token_set=token is not None,
        status="broken" if link.broken_reason else "ok",
        broken_reason=link.broken_reason,
        broken_at=link.broken_at,
        updated_at=link.updated_at,
    )


async def _token_row(session: AsyncSession, project_id: str) -> ProjectSecret | None:
    statement = select(ProjectSecret).where(
        ProjectSecret.project_id == project_id, ProjectSecret.name == TOKEN_SECRET
    )
    return (await session.execute(statement)).scalar_one_or_none()


# Recording statuses (inside the dispatcher's batch) ----------------------------------------------


async def record_status(session: AsyncSession, execution: dict[str, Any], public_url: str | None) -> None:
    """Note the state an execution (an event's snapshot) shows for its commit, to be sent."""
    project_id, sha = str(execution.get("projectId")), execution.get("commitSha")
    if not sha or await session.get(ForgeLink, project_id) is None:
        return
    state, description = _state_of(execution)
    row = (
        await session.execute(select(CommitStatus).where(CommitStatus.execution_id == execution["id"]))
    ).scalar_one_or_none()
    if row is None:
        pipeline = await session.get(Pipeline, execution["pipelineId"])
        if pipeline is None:
            return
        row = CommitStatus(
            id=new_id(),
            project_id=project_id,
            execution_id=execution["id"],
            context=f"conveyor/{pipeline.name}",
            version=0,
        )
        session.add(row)
    now = utcnow()
    row.sha, row.ref = sha, _branch(execution)
    row.state, row.description = state.value, description[:MAX_DESCRIPTION_CHARS]
    row.target_url = f"{public_url.rstrip('/')}/executions/{execution['id']}" if public_url else None
    row.version += 1
    row.delivery, row.attempts, row.next_attempt_at = DeliveryState.PENDING.value, 0, now
    row.response_code = row.error = None
    row.updated_at = now


def _state_of(execution: dict[str, Any]) -> tuple[CommitState, str]:
    run = f"Run #{execution.get('number')}"
    ended = _STATES.get(str(execution.get("status")))
    if ended is None:
        return CommitState.PENDING, f"{run} is in progress"
    state, verb = ended
    return state, f"{run} {verb}"


def _branch(execution: dict[str, Any]) -> str | None:
    """The branch GitLab files the status under: a request's source branch, else the run's ref."""
    ref = execution.get("headRef") or execution.get("ref")
    return str(ref)[:255] if ref and not str(ref).startswith("refs/") else None


# Sending ---------------------------------------------------------------------------------------


async def send_due(
    db: Database, cipher: SecretCipher, settings: Settings, now: datetime | None = None
) -> int:
    """Send every status due at ``now``; return how many were attempted."""
    now = now or utcnow()
    async with db.session() as session:
        due = (
            select(CommitStatus.id, CommitStatus.next_attempt_at)
            .where(CommitStatus.delivery == DeliveryState.PENDING.value, CommitStatus.next_attempt_at <= now)
            .order_by(CommitStatus.next_attempt_at)
            .limit(BATCH)
        )
        rows = list((await session.execute(due)).tuples())
    if not rows:
        return 0  # no client (and its TLS context, milliseconds to build) every second for nothing
    attempted = 0
    async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds) as client:
        for status_id, due_at in rows:
            if await _claim(db, settings, status_id, due_at, now):
                await _attempt(db, cipher, settings, client, status_id)
                attempted += 1
    return attempted


async def _claim(
    db: Database, settings: Settings, status_id: str, due_at: datetime | None, now: datetime
) -> bool:
    """Take the status for one attempt (another node that read it too skips it)."""
    lease = now + timedelta(seconds=settings.webhook_timeout_seconds * 2)
    return await take_due(db, CommitStatus, status_id, due_at, lease)


async def _attempt(
    db: Database, cipher: SecretCipher, settings: Settings, client: httpx.AsyncClient, status_id: str
) -> None:
    async with db.session() as session:
        row = await session.get(CommitStatus, status_id)
        if row is None:
            return
        link = await session.get(ForgeLink, row.project_id)
        token = await _token_row(session, row.project_id)
        version = row.version
        request = _request(link, row) if link is not None else None
        reason = _cannot_send(link, token)
        secret = cipher.decrypt(token.ciphertext) if token is not None and reason is None else ""
    if reason is not None or request is None:
        await _give_up(db, status_id, version, reason or "no forge link")
        return
    answer = await send_status(client, request, secret)
    await _record(db, settings, status_id, version, answer, request)


def _request(link: ForgeLink, row: CommitStatus) -> StatusRequest:
    return StatusRequest(
        kind=ForgeKind(link.kind),
        api_url=link.api_url,
        repository=link.repository,
        sha=row.sha,
        ref=row.ref,
        context=row.context,
        state=CommitState(row.state),
        description=row.description,
        target_url=row.target_url,
    )


def _cannot_send(link: ForgeLink | None, token: ProjectSecret | None) -> str | None:
    if link is None:
        return "the project has no forge link any more"
    if link.broken_reason:
        return f"the forge link is broken: {link.broken_reason}"
    if token is None:
        return f"the project has no {TOKEN_SECRET} secret"
    return None


async def _give_up(db: Database, status_id: str, version: int, reason: str) -> None:
    async with db.write_session() as session:
        await session.execute(
            update(CommitStatus)
            .where(CommitStatus.id == status_id, CommitStatus.version == version)
            .values(delivery=DeliveryState.FAILED.value, next_attempt_at=None, error=reason)
        )
        await session.commit()
    log.warning("commit status not sent", status=status_id, reason=reason)


async def _record(
    db: Database, settings: Settings, status_id: str, version: int, answer: Answer, request: StatusRequest
) -> None:
    now = utcnow()
    async with db.write_session() as session:
        row = await session.get(CommitStatus, status_id)
        if row is None:
            return
        if row.version != version:  # a newer state arrived meanwhile: send that one now
            row.next_attempt_at = now
            await session.commit()
            return
        row.attempts += 1
        row.response_code, row.error = answer.code, answer.error
        if answer.error is None:
            row.delivery, row.next_attempt_at = DeliveryState.DELIVERED.value, None
        elif answer.unauthorized:
            row.delivery, row.next_attempt_at = DeliveryState.FAILED.value, None
            await _mark_broken(session, row.project_id, request, now)
        elif answer.worth_retrying and row.attempts < settings.webhook_max_attempts:
            row.next_attempt_at = now + settings.retry_delay(row.attempts)
        else:
            row.delivery, row.next_attempt_at = DeliveryState.FAILED.value, None
        await session.commit()
    fields = {"sha": request.sha, "context": request.context, "state": request.state.value}
    if answer.error is None:
        log.info("commit status sent", **fields)
    else:
        log.warning("commit status not accepted", **fields, code=answer.code, error=answer.error)


async def _mark_broken(session: AsyncSession, project_id: str, request: StatusRequest, now: datetime) -> None:
    link = await session.get(ForgeLink, project_id)
    if link is None:
        return
    forge = "GitHub" if request.kind is ForgeKind.GITHUB else "GitLab"
    link.broken_reason = (
        f"{forge} answered 401 Unauthorized: the token in the project secret {TOKEN_SECRET} is wrong, "
        "expired or revoked. Set a valid one, then save the forge link again."
    )
    link.broken_at = now
