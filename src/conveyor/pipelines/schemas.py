"""What clients send and receive about pipeline definitions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from conveyor.schemas import ApiModel

PipelineName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$")]
Definition = Annotated[str, Field(min_length=1, max_length=256 * 1024)]


class PipelineCreate(ApiModel):
    name: PipelineName
    definition: Definition


class PipelineUpdate(ApiModel):
    name: PipelineName | None = None
    definition: Definition | None = None


class PipelineRead(ApiModel):
    id: str
    project_id: str
    name: str
    definition: str
    next_run_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PipelineRevisionRead(ApiModel):
    """A saved version of a pipeline (1 is the first), newest first in lists."""

    number: int
    name: str
    definition: str
    author: str | None
    created_at: datetime
