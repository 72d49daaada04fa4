"""What every fixer sees and returns: one interface for the built-in fixers and the LLM."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from conveyor.debug.analysis import FailedStep, LocatedError
from conveyor.debug.schemas import PatchTarget

PIPELINE_FILE = "pipeline.yml"  # how a pipeline definition is named in its patches' diffs


@dataclass(frozen=True)
class FixContext:
    """A failure to fix: the diagnosis, the log, a working copy at the failed commit (if the
    project has a repository) and the pipeline's current definition (if the run had one)."""

    label: str | None
    errors: list[LocatedError]
    log: str
    repo: Path | None
    definition: str | None
    failed: list[FailedStep] = field(default_factory=list)

    def repo_file(self, name: str | None) -> Path | None:
        """``name`` as a regular file inside the working copy, or None (never outside it)."""
        if self.repo is None or not name or name.startswith("/") or ".." in Path(name).parts:
            return None
        path = self.repo / name
        return path if path.is_file() and not path.is_symlink() else None


@dataclass(frozen=True)
class Proposal:
    fixer: str
    target: PatchTarget
    explanation: str
    confidence: float
    # A repository fix edits ctx.repo in place (the caller takes the diff and resets it);
    # a pipeline fix returns the new definition text.
    definition: str | None = None


class Fixer(Protocol):
    name: str

    async def propose(self, ctx: FixContext) -> Proposal | None:
        """Edit the working copy (or build a new definition) and explain; None when not applicable."""
        ...
