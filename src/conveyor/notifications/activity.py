"""A user's activity: an event in the log, no table (so no database code here)."""

from __future__ import annotations

from conveyor.basics import new_id, utcnow
from conveyor.events.catalog import EventType, UserActivityData
from conveyor.events.schemas import Emission, emission
from conveyor.notifications.schemas import ActivityKind


def activity(user_id: str, kind: ActivityKind, summary: str, **details: object) -> Emission:
    """A ``user_activity`` event: something this user did (``details``: ``projectId`` and the ids
    of what it concerns); the caller commits it with the change itself."""
    body = {"kind": kind.value, "summary": summary, "at": utcnow().isoformat(), **details}
    data = UserActivityData(activityId=new_id(), activity=body)
    return emission(EventType.USER_ACTIVITY, data, user_id=user_id)
