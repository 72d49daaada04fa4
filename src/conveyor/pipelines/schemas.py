"""What clients send and receive about pipeline definitions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

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
    source: Literal["api", "repository"] = Field(
        default="api",
        description="api: stored through this API; repository: a file read at each run's commit",
    )
    path: str | None = Field(default=None, description="the file in the repository (source repository)")
    error: str | None = Field(
        default=None, description="why the file, as last read on the default branch, does not validate"
    )
    next_run_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PipelineSync(ApiModel):
    ref: str | None = Field(default=None, min_length=1, max_length=255)


class PipelineRevisionRead(ApiModel):
    """A saved version of a pipeline (1 is the first), newest first in lists."""

    number: int
    name: str
    definition: str
    author: str | None
    created_at: datetime


class DefinitionCheckRequest(ApiModel):
    definition: Definition


class DefinitionProblemRead(ApiModel):
    """A problem at its place in the text (1-based line and column), as an editor marks it."""

    line: int
    column: int
    path: str  # dotted, e.g. "jobs.test.steps[0].run"; empty for YAML syntax errors
    message: str


class JobNode(ApiModel):
    """A job of a definition: its id, its name and the jobs it needs (before matrix expansion)."""

    key: str
    name: str
    needs: list[str]
    matrix: list[str]  # the matrix axes, empty for a single job


class PipelineGraph(ApiModel):
    """The job DAG of a definition, in the order the jobs are written."""

    jobs: list[JobNode]


class PipelineInputRead(ApiModel):
    """A typed input of manual runs (``on.manual.inputs``), a field of the dashboard's run form."""

    name: str
    type: Literal["string", "boolean", "choice", "number"]
    description: str | None
    required: bool
    default: str | bool | float | None
    options: list[str]


class DefinitionCheckRead(ApiModel):
    """What validating a definition found: the problems, else its job graph and inputs."""

    valid: bool
    problems: list[DefinitionProblemRead]
    graph: PipelineGraph | None
    inputs: list[PipelineInputRead]


class PipelineInputsRead(ApiModel):
    """Whether a pipeline can be run by hand, and what such a run asks for."""

    manual: bool
    inputs: list[PipelineInputRead]
