"""``Permission denied`` running a script of the repository: the script gets its execute bit."""

from __future__ import annotations

import re
import stat

from conveyor.debug.fixers.base import FixContext, Proposal
from conveyor.debug.schemas import PatchTarget

DENIED = re.compile(r"(?:^|[\s:])(\.{0,2}/?[\w.@+-][\w./@+-]*): Permission denied", re.MULTILINE)


class ExecuteBitFixer:
    name = "execute-bit"

    async def propose(self, ctx: FixContext) -> Proposal | None:
        fixed = []
        for match in DENIED.finditer(ctx.log):
            name = _in_workspace(match.group(1))
            path = ctx.repo_file(name)
            if path is None or path.stat().st_mode & stat.S_IXUSR:
                continue
            path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            fixed.append(name)
        if not fixed:
            return None
        names = ", ".join(dict.fromkeys(fixed))
        return Proposal(
            self.name, PatchTarget.REPOSITORY, f"{names} could not run: it lacks its execute bit.", 0.9
        )


def _in_workspace(name: str) -> str:
    """``./x.sh`` -> ``x.sh``; a path inside a job workspace -> relative to the repository."""
    if "/workspaces/" in name:
        name = name.split("/workspaces/", 1)[1].split("/", 2)[-1]
    return name.removeprefix("./")
