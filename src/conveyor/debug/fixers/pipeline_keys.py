"""``unknown key 'timout'`` in a pipeline file: the closest valid key at that place."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from pydantic import BaseModel

from conveyor.debug.fixers.base import FixContext, Proposal
from conveyor.debug.fixers.yamledit import rename_key
from conveyor.debug.schemas import PatchTarget
from conveyor.pipelines.spec.model import ArtifactSpec, JobSpec, PipelineSpec, PushTrigger, StepSpec, Triggers

UNKNOWN = re.compile(r"line (\d+): ([\w.\[\]-]*?)\.?([\w-]+): unknown key '([\w-]+)'")
MAX_PIPELINE_FILES = 200


def valid_keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def model_at(path: str) -> type[BaseModel] | None:
    """The model of the mapping at a dotted path: ``jobs.test.steps[0]`` -> StepSpec."""
    shape = re.sub(r"^jobs\.[\w-]+", "jobs.*", path)
    shape = re.sub(r"\[\d+\]", "[]", shape)
    models: dict[str, type[BaseModel]] = {
        "": PipelineSpec,
        "jobs.*": JobSpec,
        "jobs.*.steps[]": StepSpec,
        "jobs.*.artifacts": ArtifactSpec,
        "on": Triggers,
        "on.push": PushTrigger,
    }
    return models.get(shape)


class PipelineKeyFixer:
    name = "pipeline-key"

    async def propose(self, ctx: FixContext) -> Proposal | None:
        for match in UNKNOWN.finditer(ctx.log):
            line, parent, key = int(match.group(1)), match.group(2), match.group(4)
            model = model_at(parent)
            close = difflib.get_close_matches(key, valid_keys(model), n=1, cutoff=0.6) if model else []
            if close and (proposal := self._fix(ctx, line, key, close[0])):
                return proposal
        return None

    def _fix(self, ctx: FixContext, line: int, key: str, valid: str) -> Proposal | None:
        why = f"line {line}: unknown key {key!r}, the closest valid key there is {valid!r}"
        for path in _pipeline_files(ctx):
            fixed = rename_key(path.read_text(), line, key, valid)
            if fixed is not None:
                path.write_text(fixed)
                assert ctx.repo is not None
                return Proposal(
                    self.name, PatchTarget.REPOSITORY, f"{path.relative_to(ctx.repo)} {why}.", 0.85
                )
        if ctx.definition and (fixed := rename_key(ctx.definition, line, key, valid)):
            return Proposal(self.name, PatchTarget.PIPELINE, f"The pipeline's {why}.", 0.85, fixed)
        return None


def _pipeline_files(ctx: FixContext) -> list[Path]:
    """YAML files the errors name first, then the repository's others."""
    named = [p for e in ctx.errors if (p := ctx.repo_file(e.error.file)) and p.suffix in (".yml", ".yaml")]
    if ctx.repo is None:
        return named
    others = [p for p in sorted(ctx.repo.rglob("*.y*ml")) if ".git" not in p.parts and p.is_file()]
    return list(dict.fromkeys(named + others[:MAX_PIPELINE_FILES]))
