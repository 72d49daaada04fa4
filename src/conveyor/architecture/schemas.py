from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

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


# --- the worker API's half of ``uses: conveyor/architecture`` (architecture/recorder.py) --------

Component = Annotated[str, Field(min_length=1, max_length=500)]


class ComponentWire(ApiModel):
    id: Component
    modules: int = Field(ge=0)
    sample: list[Component] = Field(max_length=5)


class EdgeWire(ApiModel):
    from_: Component = Field(alias="from")
    to: Component
    imports: int = Field(ge=1)


class BreachWire(ApiModel):
    from_: Component = Field(alias="from")
    to: Component
    rule: str = Field(max_length=200)


class SkippedWire(ApiModel):
    path: str = Field(min_length=1, max_length=1000)
    reason: str = Field(max_length=200)


class GraphStats(ApiModel):
    modules: int = Field(ge=0)
    files: dict[str, int] = Field(max_length=10)
    components: int = Field(ge=0)


class GraphWire(ApiModel):
    """An analysed tree's graph (``analyze.Graph.as_json``), as a worker's step sends it."""

    components: list[ComponentWire] = Field(max_length=20_000)
    edges: list[EdgeWire] = Field(max_length=200_000)
    cycles: list[list[Component]] = Field(max_length=1_000)
    breaches: list[BreachWire] = Field(max_length=200_000)
    skipped: list[SkippedWire] = Field(max_length=100_000)
    stats: GraphStats

    @model_validator(mode="after")
    def _names_listed_components(self) -> GraphWire:
        known = {c.id for c in self.components}
        pairs = [(e.from_, e.to) for e in self.edges] + [(b.from_, b.to) for b in self.breaches]
        named = {n for pair in pairs for n in pair}
        named.update(n for cycle in self.cycles for n in cycle)
        if unknown := sorted(named - known):
            raise ValueError(f"edges or cycles name components the graph does not list: {unknown[:5]}")
        if self.stats.components != len(self.components):
            raise ValueError("stats.components is not the number of components")
        return self


class DiagramStore(ApiModel):
    graph: GraphWire
    depth: int = Field(ge=1, le=10)
