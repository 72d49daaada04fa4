"""When a pipeline's ``on.schedule`` next fires."""

from __future__ import annotations

from datetime import datetime

from croniter import croniter

from conveyor.pipelines.spec.model import PipelineSpec


def next_run(spec: PipelineSpec, after: datetime) -> datetime | None:
    times = [croniter(entry.cron, after).get_next(datetime) for entry in spec.on.schedule]
    return min(times) if times else None
