"""Which format a pipeline's text is in, by where it lives: Conveyor's own, or a GitHub Actions
workflow (``.github/workflows/``) translated to it."""

from __future__ import annotations

from conveyor.pipelines.spec.model import PipelineSpec
from conveyor.pipelines.spec.validate import parse_definition, parse_workflow

WORKFLOWS_DIRECTORY = ".github/workflows"


def is_workflow(path: str | None) -> bool:
    """A GitHub Actions workflow file (translated before it runs) rather than Conveyor's format."""
    return path is not None and path.startswith(WORKFLOWS_DIRECTORY + "/")


def parse_pipeline(path: str | None, text: str) -> PipelineSpec:
    """The validated spec of a pipeline stored through the API (``path`` None) or read from the
    repository at ``path``; InvalidInput names each problem's line."""
    return parse_workflow(text) if is_workflow(path) else parse_definition(text)
