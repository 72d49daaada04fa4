from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from conveyor.schemas import ApiModel


class DiagramFormat(StrEnum):
    MERMAID = "mermaid"
    JSON = "json"
    SVG = "svg"


class ArchitectureSettings(ApiModel):
    """``layers``: top to bottom, each a list of component patterns (``conveyor.api``,
    ``src/pages*``); importing a layer above is a breach. ``auto``: analyse every run of the
    default branch that succeeds."""

    depth: int = Field(default=2, ge=1, le=10)
    layers: list[list[str]] = Field(default_factory=list, max_length=50)
    auto: bool = False


class AnalyseRequest(ApiModel):
    ref: str | None = Field(default=None, max_length=255, pattern=r"^[A-Za-z0-9._/@-]+$")
    depth: int | None = Field(default=None, ge=1, le=10)


class DiagramChanges(ApiModel):
    components_added: list[str] = []
    components_removed: list[str] = []
    edges_added: list[list[str]] = []
    edges_removed: list[list[str]] = []
    new_cycles: list[list[str]] = []


class DiagramSummary(ApiModel):
    components: int
    edges: int
    cycles: int
    breaches: int
    modules: int
    skipped: int


class DiagramRead(ApiModel):
    diagram_id: str
    project_id: str
    ref: str | None
    commit_sha: str | None
    depth: int
    trigger: str
    created_at: datetime
    summary: DiagramSummary
    changes: DiagramChanges
    previous_id: str | None
    mermaid: str
