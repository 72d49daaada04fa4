"""Security REST API: scans, their exports, vulnerabilities and their triage, the policy."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse

from conveyor.api.deps import BusDep, CurrentPrincipal, ScansDep, SessionDep
from conveyor.projects.deps import ProjectAsMaintainer, ProjectAsViewer
from conveyor.security import advisories, reports, service
from conveyor.security.deps import ScanAsViewer, VulnerabilityAsMaintainer
from conveyor.security.schemas import (
    AdvisoryStatus,
    Kind,
    PolicyPut,
    PolicyRead,
    ScanAccepted,
    ScanCreate,
    ScanRead,
    Severity,
    VulnerabilityPatch,
    VulnerabilityRead,
    VulnerabilityStatus,
)

router = APIRouter(tags=["security"])


@router.post("/projects/{project_id}/scans", status_code=status.HTTP_202_ACCEPTED)
async def start_scan(
    project: ProjectAsMaintainer,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
    scans: ScansDep,
    body: ScanCreate | None = None,
) -> ScanAccepted:
    scan = await service.create_scan(
        session=session,
        bus=bus,
        project=project,
        trigger="api",
        ref=(body or ScanCreate()).ref,
        actor_id=principal.user_id,
        lease_seconds=scans.lease_seconds,
    )
    scans.submit(scan, project.repo_url or "")
    return ScanAccepted(scan_id=scan.id)


@router.get("/projects/{project_id}/scans")
async def list_scans(
    project: ProjectAsViewer, session: SessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[ScanRead]:
    return [service.scan_read(s) for s in await service.list_scans(session, project.id, limit=limit)]


@router.get("/scans/{scan_id}")
async def get_scan(scan: ScanAsViewer) -> ScanRead:
    return service.scan_read(scan)


@router.get("/scans/{scan_id}/sarif", response_model=None)
async def scan_sarif(scan: ScanAsViewer, session: SessionDep) -> JSONResponse:
    """The scan's findings as SARIF 2.1.0."""
    return _download(await reports.sarif(session, scan), f"scan-{scan.id}.sarif")


@router.get("/scans/{scan_id}/json", response_model=None)
async def scan_json(scan: ScanAsViewer, session: SessionDep) -> JSONResponse:
    """The scan and its findings as JSON (the shape of ``conveyor scan --json``)."""
    return _download(await reports.report(session, scan), f"scan-{scan.id}.json")


def _download(body: dict[str, Any], name: str) -> JSONResponse:
    return JSONResponse(
        json.loads(json.dumps(body, default=str)),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/projects/{project_id}/vulnerabilities")
async def list_vulnerabilities(
    project: ProjectAsViewer,
    session: SessionDep,
    status: VulnerabilityStatus | None = None,
    severity: Severity | None = None,
    kind: Kind | None = None,
) -> list[VulnerabilityRead]:
    rows = await service.list_vulnerabilities(
        session, project.id, status=status, severity=severity, kind=kind
    )
    return [service.vulnerability_read(v) for v in rows]


@router.patch("/vulnerabilities/{vulnerability_id}")
async def update_vulnerability(
    vulnerability: VulnerabilityAsMaintainer,
    body: VulnerabilityPatch,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
) -> VulnerabilityRead:
    v = await service.update_vulnerability(
        session=session, bus=bus, principal=principal, v=vulnerability, data=body
    )
    return service.vulnerability_read(v)


@router.get("/projects/{project_id}/security/policy")
async def get_policy(project: ProjectAsViewer, session: SessionDep) -> PolicyRead:
    return await service.get_policy(session, project.id)


@router.put("/projects/{project_id}/security/policy")
async def put_policy(
    body: PolicyPut,
    project: ProjectAsMaintainer,
    principal: CurrentPrincipal,
    session: SessionDep,
    bus: BusDep,
) -> PolicyRead:
    return await service.put_policy(session=session, bus=bus, project=project, data=body, actor=principal)


@router.get("/security/advisories")
async def advisory_status(_: CurrentPrincipal, session: SessionDep) -> AdvisoryStatus:
    """How many advisories the database holds and how recent they are."""
    return await advisories.status(session)
