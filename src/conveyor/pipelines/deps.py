"""Route dependencies: the pipeline of the path, once the caller is known to hold a role in its project."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from conveyor.api.deps import CurrentPrincipal, SessionDep
from conveyor.auth.roles import Role
from conveyor.pipelines.models import Pipeline
from conveyor.pipelines.service import require_pipeline


def pipeline_with(needed: Role) -> Callable[..., Awaitable[Pipeline]]:
    """A dependency on ``{pipeline_id}``: the pipeline if the caller holds ``needed`` in its project."""

    async def pipeline(pipeline_id: str, principal: CurrentPrincipal, session: SessionDep) -> Pipeline:
        return await require_pipeline(session, principal, pipeline_id, needed)

    return pipeline


PipelineAsViewer = Annotated[Pipeline, Depends(pipeline_with(Role.VIEWER))]
PipelineAsMaintainer = Annotated[Pipeline, Depends(pipeline_with(Role.MAINTAINER))]
