"""When a pipeline's ``on.schedule`` next fires (croniter is loaded by scheduled pipelines only)."""

from __future__ import annotations

from datetime import datetime

from conveyor.pipelines.spec.model import PipelineSpec


def next_run(spec: PipelineSpec, after: datetime) -> datetime | None:
    if not spec.on.schedule:
        return None
    from croniter import croniter

    times: list[datetime] = [croniter(entry.cron, after).get_next(datetime) for entry in spec.on.schedule]
    return min(times)


def valid_cron(expression: str) -> bool:
    from croniter import croniter

    return bool(croniter.is_valid(expression))
