"""Route dependencies of the security domain: a scan or vulnerability the caller may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from conveyor.api.deps import CurrentPrincipal, SessionDep
from conveyor.security import service
from conveyor.security.models import Scan


async def scan_as_viewer(scan_id: str, principal: CurrentPrincipal, session: SessionDep) -> Scan:
    return await service.get_scan(session, principal, scan_id)


ScanAsViewer = Annotated[Scan, Depends(scan_as_viewer)]
