"""Route dependencies of the security domain: a scan the caller may see, a vulnerability it may triage."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from conveyor.api.deps import CurrentPrincipal, SessionDep
from conveyor.auth.roles import Role
from conveyor.security import service
from conveyor.security.models import Scan, Vulnerability


async def scan_as_viewer(scan_id: str, principal: CurrentPrincipal, session: SessionDep) -> Scan:
    return await service.get_scan(session, principal, scan_id)


ScanAsViewer = Annotated[Scan, Depends(scan_as_viewer)]


async def vulnerability_as_maintainer(
    vulnerability_id: str, principal: CurrentPrincipal, session: SessionDep
) -> Vulnerability:
    return await service.require_vulnerability(session, principal, vulnerability_id, Role.MAINTAINER)


VulnerabilityAsMaintainer = Annotated[Vulnerability, Depends(vulnerability_as_maintainer)]
