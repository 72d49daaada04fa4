from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import JSONResponse

from conveyor.api.deps import AdminPrincipal, BusDep, CurrentPrincipal, SessionDep
from conveyor.auth.principal import Principal
from conveyor.errors import Forbidden
from conveyor.system import alerts, telemetry
from conveyor.system.deps import DatabaseDep, MonitorDep
from conveyor.system.schemas import (
    AlertCreate,
    AlertRead,
    AlertStatus,
    AlertUpdate,
    Health,
    MetricsHistoryRead,
    SystemStatusRead,
)
from conveyor.system.status import readiness

router = APIRouter(prefix="/system", tags=["system"])
# Probes and the Prometheus scrape: outside /api/v1 and without a token, as orchestrators expect.
probes_router = APIRouter(include_in_schema=False)


@probes_router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@probes_router.get("/readyz")
async def readyz(db: DatabaseDep) -> JSONResponse:
    """Readiness: the database answers and every migration is applied."""
    check = await readiness(db)
    code = status.HTTP_200_OK if check.status == Health.OK else status.HTTP_503_SERVICE_UNAVAILABLE
    return JSONResponse({"status": check.status.value, "detail": check.detail}, status_code=code)


@probes_router.get("/metrics")
async def prometheus_metrics() -> Response:
    return Response(telemetry.exposition(), media_type=telemetry.PROMETHEUS_CONTENT_TYPE)


@router.get("/status")
async def system_status(_: CurrentPrincipal, monitor: MonitorDep) -> SystemStatusRead:
    return await monitor.status.current()


@router.get("/metrics")
async def system_metrics(_: CurrentPrincipal, monitor: MonitorDep) -> MetricsHistoryRead:
    """The latest sample of this node and the ones kept before it, oldest first."""
    return MetricsHistoryRead(current=monitor.metrics.latest, history=list(monitor.metrics.history))


async def get_alert_author(principal: CurrentPrincipal) -> Principal:
    """Admins, through a login or an API token (scope ``api`` or ``alerts:write``, checked with
    every route's scope): a token never raises alerts once its owner is no longer an admin."""
    if principal.is_admin:
        return principal
    raise Forbidden("raising alerts needs a global admin (or an admin's API token with alerts:write)")


AlertAuthor = Annotated[Principal, Depends(get_alert_author)]


@router.post("/alerts", status_code=status.HTTP_201_CREATED)
async def raise_alert(body: AlertCreate, author: AlertAuthor, session: SessionDep, bus: BusDep) -> AlertRead:
    return await alerts.raise_alert(session=session, bus=bus, data=body, actor=author)


@router.get("/alerts")
async def list_alerts(
    _: CurrentPrincipal,
    session: SessionDep,
    status: AlertStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AlertRead]:
    return [
        AlertRead.model_validate(a) for a in await alerts.list_alerts(session, status=status, limit=limit)
    ]


@router.patch("/alerts/{alert_id}")
async def update_alert(
    alert_id: str, body: AlertUpdate, admin: AdminPrincipal, session: SessionDep, bus: BusDep
) -> AlertRead:
    alert = await alerts.update_alert(session=session, bus=bus, alert_id=alert_id, data=body, actor=admin)
    return AlertRead.model_validate(alert)
