"""A resolver conflict pip names: the pin it points at is moved to what the other package needs."""

from __future__ import annotations

import re

from conveyor.debug.fixers.base import FixContext, Proposal
from conveyor.debug.schemas import PatchTarget

REQUESTED = re.compile(r"The user requested ([A-Za-z0-9][\w.-]*)\s*(==|~=|<=|>=|<|>)\s*([\w.*+!-]+)")
MANIFESTS = ("requirements.txt", "requirements.in", "pyproject.toml")


def _needed(log: str, name: str) -> str | None:
    """What another package needs of ``name`` (``>=2.25``), "" when it needs any version."""
    match = re.search(
        rf"\S+ [\w.+!-]+ depends on {re.escape(name)}([<>=!~][^\s]*)?(?:\s|$)", log, re.IGNORECASE
    )
    if match is None:
        return None
    return match.group(1) or ""


class DependencyConflictFixer:
    name = "dependency-conflict"

    async def propose(self, ctx: FixContext) -> Proposal | None:
        for match in REQUESTED.finditer(ctx.log):
            name, operator, version = match.groups()
            needed = _needed(ctx.log, name)
            if needed is None:
                continue
            pin = f"{name}{operator}{version}"
            for manifest in MANIFESTS:
                if (path := ctx.repo_file(manifest)) and (
                    text := _replace_pin(path.read_text(), name, operator, version, needed)
                ):
                    path.write_text(text)
                    what = f"{name}{needed}" if needed else f"{name} unpinned"
                    explanation = f"{pin} in {manifest} conflicts with a package that needs {name}{needed}"
                    explanation += f"; now {what}."
                    return Proposal(self.name, PatchTarget.REPOSITORY, explanation, 0.7)
        return None


def _replace_pin(text: str, name: str, operator: str, version: str, needed: str) -> str | None:
    pattern = re.compile(
        rf"(?<![\w.-]){re.escape(name)}\s*{re.escape(operator)}\s*{re.escape(version)}(?![\w.])",
        re.IGNORECASE,
    )
    new, count = pattern.subn(f"{name}{needed}", text, count=1)
    return new if count else None
