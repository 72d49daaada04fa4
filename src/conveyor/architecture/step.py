"""The pipeline step ``uses: conveyor/architecture``: diagrams the job's workspace where the job
runs and records it on the project (through ``recorder.py``: in-process on a server node, through
the worker API on a remote worker). Inputs (``with:``): ``path`` (a folder of the workspace),
``depth``."""

from __future__ import annotations

from pydantic import ValidationError

from conveyor.architecture import service
from conveyor.architecture.recorder import diagram_recorder
from conveyor.architecture.schemas import GraphWire
from conveyor.pipelines.builtins import BuiltinContext, BuiltinOutcome, WorkerApiError, register

NAME = "conveyor/architecture"


@register(NAME)
async def architecture_step(context: BuiltinContext) -> BuiltinOutcome:
    root = (context.workspace / context.inputs.get("path", ".")).resolve()
    if not root.is_dir() or not root.is_relative_to(context.workspace.resolve()):
        return BuiltinOutcome(
            "failed", f"{NAME}: path {context.inputs.get('path')!r} is not a folder of the workspace"
        )
    try:
        depth = int(context.inputs["depth"]) if "depth" in context.inputs else None
    except ValueError:
        return BuiltinOutcome("failed", f"{NAME}: depth must be a whole number")
    if depth is not None and not 1 <= depth <= 10:
        return BuiltinOutcome("failed", f"{NAME}: depth must be between 1 and 10")
    if context.job is None:
        return BuiltinOutcome("failed", f"{NAME}: this runner cannot record diagrams")
    recorder = diagram_recorder(context.job)
    try:
        analysed, depth = await service.analyse_tree(root, await recorder.settings(), depth)
        diagram = await recorder.store(GraphWire.model_validate(analysed), depth)
    except ValidationError as exc:
        return BuiltinOutcome(
            "failed", f"{NAME}: the diagram is too large to record: {exc.errors()[0]['msg']}"
        )
    except WorkerApiError as exc:
        return BuiltinOutcome("failed", f"{NAME}: the server did not record the diagram: {exc}")
    summary = diagram.summary
    context.log(
        f"{NAME}: diagram {diagram.diagram_id}: {summary.components} components, {summary.edges} edges, "
        f"{summary.cycles} cycles, {summary.breaches} layering breaches, {summary.skipped} files skipped"
    )
    for path in diagram.changes.components_added[:20]:
        context.log(f"{NAME}: new component {path}")
    return BuiltinOutcome("success")
