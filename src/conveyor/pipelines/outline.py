"""What a definition holds, as clients show it: its problems at their place, its job graph, its inputs."""

from __future__ import annotations

from conveyor.pipelines.schemas import (
    DefinitionCheckRead,
    DefinitionProblemRead,
    JobNode,
    PipelineGraph,
    PipelineInputRead,
    PipelineInputsRead,
)
from conveyor.pipelines.spec.matrix import matrix_axes
from conveyor.pipelines.spec.model import PipelineSpec
from conveyor.pipelines.spec.validate import check_definition


def checked(text: str) -> DefinitionCheckRead:
    """Every problem of ``text`` with its line and column; when there are none, what it defines."""
    check = check_definition(text)
    problems = [DefinitionProblemRead.model_validate(p) for p in check.problems]
    spec = check.spec
    return DefinitionCheckRead(
        valid=spec is not None,
        problems=problems,
        graph=job_graph(spec) if spec is not None else None,
        inputs=input_fields(spec) if spec is not None else [],
    )


def job_graph(spec: PipelineSpec) -> PipelineGraph:
    return PipelineGraph(
        jobs=[
            JobNode(key=key, name=job.name or key, needs=job.needs, matrix=sorted(matrix_axes(job.matrix)))
            for key, job in spec.jobs.items()
        ]
    )


def input_fields(spec: PipelineSpec) -> list[PipelineInputRead]:
    return [
        PipelineInputRead(
            name=name,
            type=field.type.value,
            description=field.description,
            required=field.required,
            default=field.default,
            options=list(field.options),
        )
        for name, field in spec.inputs.items()
    ]


def manual_inputs(spec: PipelineSpec) -> PipelineInputsRead:
    return PipelineInputsRead(manual=bool(spec.on.manual), inputs=input_fields(spec))
