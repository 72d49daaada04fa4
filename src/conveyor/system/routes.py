from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from conveyor.api.deps import AdminPrincipal, BusDep, CurrentPrincipal, SessionDep
from conveyor.auth.principal import Principal
from conveyor.errors import Forbidden
from conveyor.system import alerts
from conveyor.system.schemas import AlertCreate, AlertRead, AlertStatus, AlertUpdate

router = APIRouter(prefix="/system", tags=["system"])


async def get_alert_author(principal: CurrentPrincipal) -> Principal:
    """Admins, or scripts holding an API token with the ``alerts:write`` scope."""
    if principal.is_admin or principal.has_scope("alerts:write"):
        return principal
    raise Forbidden("raising alerts needs a global admin or an API token with alerts:write")


AlertAuthor = Annotated[Principal, Depends(get_alert_author)]


@router.post("/alerts", status_code=status.HTTP_201_CREATED)
async def raise_alert(body: AlertCreate, author: AlertAuthor, session: SessionDep, bus: BusDep) -> AlertRead:
    return AlertRead.model_validate(
        await alerts.raise_alert(session=session, bus=bus, data=body, actor=author)
    )


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
