"""The pipeline step ``uses: conveyor/architecture``: diagrams the job's workspace and records it
on the project. Inputs (``with:``): ``path`` (a folder of the workspace), ``depth``."""

from __future__ import annotations

from conveyor.architecture import service
from conveyor.pipelines.builtins import BuiltinContext, BuiltinOutcome, register

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
    job = context.job
    if job is None:
        return BuiltinOutcome("failed", f"{NAME}: this runner cannot record diagrams")
    diagram = await service.record(
        db=job.db,
        bus=job.bus,
        project_id=job.project_id,
        root=root,
        ref=job.ref,
        sha=job.commit_sha,
        trigger="step",
        depth=depth,
    )
    summary = diagram.summary
    context.log(
        f"{NAME}: diagram {diagram.diagram_id}: {summary.components} components, {summary.edges} edges, "
        f"{summary.cycles} cycles, {summary.breaches} layering breaches, {summary.skipped} files skipped"
    )
    for path in diagram.changes.components_added[:20]:
        context.log(f"{NAME}: new component {path}")
    return BuiltinOutcome("success")
