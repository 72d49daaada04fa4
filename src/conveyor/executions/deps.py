"""Route dependencies: the execution of the path, once the caller is known to hold a role in its project."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from conveyor.api.deps import CurrentPrincipal, SessionDep
from conveyor.auth.roles import Role
from conveyor.executions.models import Execution
from conveyor.executions.service import require_execution


def execution_with(needed: Role) -> Callable[..., Awaitable[Execution]]:
    """A dependency on ``{execution_id}``: the execution if the caller holds ``needed`` in its project."""

    async def execution(execution_id: str, principal: CurrentPrincipal, session: SessionDep) -> Execution:
        return await require_execution(session, principal, execution_id, needed)

    return execution


ExecutionAsViewer = Annotated[Execution, Depends(execution_with(Role.VIEWER))]
ExecutionAsMaintainer = Annotated[Execution, Depends(execution_with(Role.MAINTAINER))]
