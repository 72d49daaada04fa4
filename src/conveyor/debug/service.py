"""Debug domain services: classify a log; open, list and read debug sessions."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import nullcontext

from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.principal import Principal
from conveyor.auth.roles import Role
from conveyor.config import Settings
from conveyor.debug import apply, flaky, loop, sessions
from conveyor.debug.models import DebugPatch, DebugSession
from conveyor.debug.redact import redact
from conveyor.debug.schemas import (
    ClassificationResult,
    DebugSessionRead,
    FlakyJobRead,
    InvalidLogError,
    LogTooLargeError,
    PatchRead,
    SessionCreate,
)
from conveyor.errors import InvalidInput, PayloadTooLarge
from conveyor.events.bus import EventBus
from conveyor.executions.executor import Executor
from conveyor.executions.service import require_execution


async def classify(log: str) -> ClassificationResult:
    """Classify a failed run's log, its credentials redacted first; CPU-bound, so it runs off the
    event loop."""
    from conveyor.debug.classify import classify_log

    try:
        return await asyncio.to_thread(lambda: classify_log(redact(log)))
    except LogTooLargeError as exc:
        raise PayloadTooLarge(str(exc)) from None
    except InvalidLogError as exc:
        raise InvalidInput(str(exc)) from None


async def open_session(
    *, session: AsyncSession, bus: EventBus, settings: Settings, principal: Principal, data: SessionCreate
) -> DebugSessionRead:
    """By hand: for a failed execution (its existing session if it has one) or for a log."""
    opener = lambda: nullcontext(session)  # noqa: E731 - every phase in the request's transaction
    if data.execution_id is not None:
        execution = await require_execution(session, principal, data.execution_id, Role.MAINTAINER)
        debug = await loop.open_for_execution(opener, bus, settings, execution, actor_id=principal.user_id)
        debug = debug or await sessions.session_of_execution(session, execution)
    elif data.log is not None:
        if data.project_id is not None:
            await sessions.require_project_role(session, principal, data.project_id, Role.MAINTAINER)
        try:
            debug = await loop.open_for_log(
                opener, bus, log_text=data.log, project_id=data.project_id, actor_id=principal.user_id
            )
        except InvalidLogError as exc:
            raise InvalidInput(str(exc)) from None
    else:
        raise InvalidInput("give executionId or log")
    return await sessions.read_session(session, debug)


async def get_session(*, session: AsyncSession, debug: DebugSession) -> DebugSessionRead:
    return await sessions.read_session(session, debug)


async def list_sessions(
    *,
    session: AsyncSession,
    principal: Principal,
    project_id: str | None,
    execution_id: str | None,
    limit: int,
) -> list[DebugSessionRead]:
    found: Sequence[DebugSession] = await sessions.list_sessions(
        session, principal, project_id=project_id, execution_id=execution_id, limit=limit
    )
    return [await sessions.read_session(session, debug) for debug in found]


async def apply_patch(
    *, session: AsyncSession, bus: EventBus, executor: Executor, principal: Principal, patch: DebugPatch
) -> PatchRead:
    return await apply.apply_patch(
        session=session, bus=bus, executor=executor, principal=principal, patch=patch
    )


async def rollback_patch(
    *, session: AsyncSession, bus: EventBus, principal: Principal, patch: DebugPatch
) -> PatchRead:
    return await apply.rollback_patch(session=session, bus=bus, principal=principal, patch=patch)


async def flaky_jobs(*, session: AsyncSession, project_id: str, limit: int) -> list[FlakyJobRead]:
    return await flaky.flakiest(session, project_id, limit)
