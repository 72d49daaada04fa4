"""Route dependencies of the architecture domain: a diagram the caller may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from conveyor.api.deps import CurrentPrincipal, SessionDep
from conveyor.architecture import service
from conveyor.architecture.models import ArchitectureDiagram


async def diagram_as_viewer(
    diagram_id: str, principal: CurrentPrincipal, session: SessionDep
) -> ArchitectureDiagram:
    return await service.require_diagram(session, principal, diagram_id)


DiagramAsViewer = Annotated[ArchitectureDiagram, Depends(diagram_as_viewer)]
