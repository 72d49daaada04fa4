from __future__ import annotations

from datetime import datetime

from conveyor.schemas import ApiModel


class NotificationRead(ApiModel):
    id: str
    kind: str
    title: str
    body: str
    priority: str
    project_id: str | None
    created_at: datetime
    read_at: datetime | None
