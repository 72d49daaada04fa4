"""System alerts: raised by operators or monitoring scripts, pushed to every client."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.principal import Principal
from conveyor.db import get_or_404, new_id, utcnow
from conveyor.errors import Conflict
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventType, SystemAlertData
from conveyor.events.schemas import Emission, emission
from conveyor.system.models import Alert
from conveyor.system.schemas import AlertCreate, AlertRead, AlertStatus, AlertUpdate


async def raise_alert(
    *, session: AsyncSession, bus: EventBus, data: AlertCreate, actor: Principal | None
) -> AlertRead:
    fields = {
        **data.model_dump(mode="json"),
        "id": new_id(),
        "status": AlertStatus.OPEN.value,
        "created_at": utcnow(),
    }
    # Written by one Core INSERT from its row, not an ORM object: nothing changes a new alert in
    # this transaction, and its fields are read once into what both the event and caller get.
    row = {**_EMPTY_ROW, **fields, "created_by": actor.user_id if actor else None}
    await session.execute(_INSERT_ALERT, row)
    alert = AlertRead.model_validate({**fields, "acknowledged_at": None, "resolved_at": None})
    await bus.commit(session, _emission(alert))
    return alert


_TABLE = cast(Table, Alert.__table__)
_EMPTY_ROW: dict[str, Any] = dict.fromkeys(column.key for column in _TABLE.columns)
_INSERT_ALERT = insert(_TABLE)


async def list_alerts(session: AsyncSession, *, status: AlertStatus | None, limit: int) -> list[Alert]:
    statement = select(Alert).order_by(Alert.created_at.desc()).limit(limit)
    if status is not None:
        statement = statement.where(Alert.status == status.value)
    return list((await session.execute(statement)).scalars())


async def update_alert(
    *, session: AsyncSession, bus: EventBus, alert_id: str, data: AlertUpdate, actor: Principal
) -> Alert:
    alert = await get_or_404(session, Alert, alert_id, "alert")
    if alert.status == AlertStatus.RESOLVED:
        raise Conflict("alert is already resolved")
    now = utcnow()
    if data.status == AlertStatus.ACKNOWLEDGED:
        alert.acknowledged_at, alert.acknowledged_by = now, actor.user_id
    else:
        alert.resolved_at, alert.resolved_by = now, actor.user_id
    alert.status = data.status.value
    await bus.commit(session, alert_event(alert))
    return alert


def alert_event(alert: Alert) -> Emission:
    return _emission(AlertRead.model_validate(alert))


def _emission(alert: AlertRead) -> Emission:
    return emission(EventType.SYSTEM_ALERT, SystemAlertData(alertId=alert.alert_id, alert=alert))
