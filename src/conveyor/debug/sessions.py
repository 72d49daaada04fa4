"""Debug sessions in the database: opening, recording a diagnosis, reading back, who may see them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.principal import Principal
from conveyor.auth.roles import Role
from conveyor.db import new_id, utcnow
from conveyor.debug.analysis import Diagnosis, LocatedError
from conveyor.debug.models import DebugError, DebugPatch, DebugSession
from conveyor.debug.schemas import (
    ClassificationRead,
    DebugErrorRead,
    DebugSessionRead,
    LabelScore,
    PatchRead,
    SessionStatus,
)
from conveyor.errors import NotFound
from conveyor.events.bus import EventBus
from conveyor.events.catalog import (
    DebugClassificationData,
    DebugErrorData,
    DebugSessionData,
    EventType,
)
from conveyor.events.schemas import Emission, emission
from conveyor.executions.models import Execution
from conveyor.projects.access import require_in_project


async def create_session(
    session: AsyncSession,
    bus: EventBus,
    *,
    project_id: str | None,
    execution_id: str | None = None,
    attempt: int | None = None,
    created_by: str | None = None,
    log: str | None = None,
) -> DebugSession | None:
    """A new session in ``analyzing``; None when this execution attempt already has one."""
    now = utcnow()
    debug = DebugSession(
        id=new_id(),
        project_id=project_id,
        execution_id=execution_id,
        attempt=attempt,
        status=SessionStatus.ANALYZING,
        top=[],
        failing_tests=[],
        explanation="",
        log=log,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    if execution_id and await _session_id(session, execution_id, attempt) is not None:
        return None
    try:
        async with session.begin_nested():  # two runners ending the same execution at once
            session.add(debug)
    except IntegrityError:
        return None
    await bus.commit(session, await session_event(session, EventType.DEBUG_SESSION_CREATED, debug))
    return debug


async def record_diagnosis(
    session: AsyncSession, bus: EventBus, debug: DebugSession, diagnosis: Diagnosis, *extra: Emission
) -> list[DebugError]:
    """Store the errors and the classification; the session becomes ``diagnosed``."""
    result = diagnosis.result
    debug.label, debug.confidence = result.label, result.confidence
    debug.top = [score.model_dump() for score in result.top]
    debug.failing_tests = list(result.failing_tests)
    debug.explanation, debug.signature = diagnosis.explanation, diagnosis.signature
    errors = [_error_row(debug.id, position, located) for position, located in enumerate(diagnosis.errors)]
    session.add_all(errors)
    events = [_error_event(debug, error) for error in errors]
    events.append(_classification_event(debug, errors[0].id if errors else ""))
    await set_status(session, bus, debug, SessionStatus.DIAGNOSED, *events, *extra)
    return errors


def _error_row(session_id: str, position: int, located: LocatedError) -> DebugError:
    error = located.error
    return DebugError(
        id=new_id(),
        session_id=session_id,
        position=position,
        message=error.message[:4000],
        kind=error.kind,
        tool=error.tool,
        file=error.file[:1000] if error.file else None,
        line=error.line,
        column=error.column,
        test=error.test[:1000] if error.test else None,
        excerpt=error.excerpt[:8000],
        job=located.job,
        step=located.step,
        log_line=located.log_line,
    )


async def set_status(
    session: AsyncSession, bus: EventBus, debug: DebugSession, status: SessionStatus, *events: Emission
) -> None:
    """Change the status and commit it with ``events``, then ``debug_session_updated``."""
    debug.status, debug.updated_at = status, utcnow()
    await session.flush()
    updated = await session_event(session, EventType.DEBUG_SESSION_UPDATED, debug)
    await bus.commit(session, *events, updated)


def audience(debug: DebugSession) -> dict[str, str | None]:
    """A project's session goes to its members; a log-only session to its creator."""
    if debug.project_id:
        return {"project_id": debug.project_id}
    return {"user_id": debug.created_by}


async def session_event(session: AsyncSession, event_type: EventType, debug: DebugSession) -> Emission:
    read = await read_session(session, debug)
    return emission(event_type, DebugSessionData(sessionId=debug.id, session=read), **audience(debug))


def _error_event(debug: DebugSession, error: DebugError) -> Emission:
    data = DebugErrorData(sessionId=debug.id, errorId=error.id, error=DebugErrorRead.model_validate(error))
    return emission(EventType.DEBUG_ERROR_DETECTED, data, **audience(debug))


def _classification_event(debug: DebugSession, error_id: str) -> Emission:
    data = DebugClassificationData(
        sessionId=debug.id, errorId=error_id, classifications=classification_of(debug)
    )
    return emission(EventType.DEBUG_ML_CLASSIFICATION, data, **audience(debug))


def classification_of(debug: DebugSession) -> ClassificationRead:
    top = [LabelScore.model_validate(score) for score in debug.top or []]
    return ClassificationRead(label=debug.label, confidence=debug.confidence, top=top)


async def read_session(session: AsyncSession, debug: DebugSession) -> DebugSessionRead:
    errors = await session.execute(
        select(DebugError).where(DebugError.session_id == debug.id).order_by(DebugError.position)
    )
    patches = await session.execute(
        select(DebugPatch).where(DebugPatch.session_id == debug.id).order_by(DebugPatch.created_at)
    )
    return DebugSessionRead(
        session_id=debug.id,
        project_id=debug.project_id,
        execution_id=debug.execution_id,
        status=SessionStatus(debug.status),
        explanation=debug.explanation,
        errors=[DebugErrorRead.model_validate(e) for e in errors.scalars()],
        classification=classification_of(debug),
        failing_tests=list(debug.failing_tests or []),
        patches=[PatchRead.model_validate(p) for p in patches.scalars()],
        created_at=debug.created_at,
        updated_at=debug.updated_at,
    )


async def require_session(
    session: AsyncSession, principal: Principal, session_id: str, needed: Role = Role.VIEWER
) -> DebugSession:
    """The session if the caller may see it (a stranger gets 404) and holds ``needed``."""
    debug = await session.get(DebugSession, session_id)
    what = f"debug session {session_id}"
    if debug is None:
        raise NotFound(f"{what} not found")
    if debug.project_id:
        await require_in_project(session, principal, debug.project_id, needed, what=what)
    elif debug.created_by != principal.user_id and not principal.is_admin:
        raise NotFound(f"{what} not found")
    return debug


async def list_sessions(
    session: AsyncSession,
    principal: Principal,
    *,
    project_id: str | None,
    execution_id: str | None,
    limit: int,
) -> Sequence[DebugSession]:
    statement = select(DebugSession).order_by(DebugSession.created_at.desc()).limit(limit)
    if execution_id and not project_id:
        execution = await session.get(Execution, execution_id)
        if execution is None:
            raise NotFound(f"execution {execution_id} not found")
        project_id = execution.project_id
    if project_id:
        await require_in_project(session, principal, project_id, Role.VIEWER, what=f"project {project_id}")
        statement = statement.where(DebugSession.project_id == project_id)
    else:
        statement = statement.where(
            DebugSession.project_id.is_(None), DebugSession.created_by == principal.user_id
        )
    if execution_id:
        statement = statement.where(DebugSession.execution_id == execution_id)
    return list((await session.execute(statement)).scalars())


async def session_of_execution(session: AsyncSession, execution: Execution) -> DebugSession:
    session_id = await _session_id(session, execution.id, execution.attempt)
    debug = await session.get(DebugSession, session_id) if session_id else None
    if debug is None:
        raise NotFound(f"no debug session for execution {execution.id}")
    return debug


async def _session_id(session: AsyncSession, execution_id: str, attempt: int | None) -> str | None:
    statement = select(DebugSession.id).where(
        DebugSession.execution_id == execution_id, DebugSession.attempt == attempt
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def require_project_role(
    session: AsyncSession, principal: Principal, project_id: str, needed: Role
) -> None:
    await require_in_project(session, principal, project_id, needed, what=f"project {project_id}")
