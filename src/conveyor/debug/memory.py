"""Fix memory: a verified fix is remembered by its failure's signature, and a later failure with
the same signature gets it proposed first (``fromMemory``), if it still applies."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import new_id, utcnow
from conveyor.debug.fixers import FixContext, Proposal
from conveyor.debug.fixers.base import PIPELINE_FILE
from conveyor.debug.git import GitError, git
from conveyor.debug.models import DebugPatch, DebugSession, FixMemory
from conveyor.debug.patches import Candidate
from conveyor.debug.schemas import PatchTarget


async def remember(session: AsyncSession, debug: DebugSession, patch: DebugPatch) -> None:
    """Keep ``patch`` (just verified) as the fix for its session's failure signature."""
    if debug.project_id is None or debug.signature is None:
        return
    await session.execute(
        delete(FixMemory).where(
            FixMemory.project_id == debug.project_id, FixMemory.signature == debug.signature
        )
    )
    session.add(
        FixMemory(
            id=new_id(),
            project_id=debug.project_id,
            signature=debug.signature,
            fixer=patch.fixer,
            target=patch.target,
            diff=patch.diff,
            files=list(patch.files),
            explanation=patch.explanation,
            session_id=debug.id,
            created_at=utcnow(),
        )
    )


async def recall(session: AsyncSession, project_id: str, signature: str | None) -> FixMemory | None:
    if signature is None:
        return None
    statement = select(FixMemory).where(FixMemory.project_id == project_id, FixMemory.signature == signature)
    return (await session.execute(statement)).scalar_one_or_none()


async def candidate(memory: FixMemory, ctx: FixContext) -> Candidate | None:
    """The remembered fix as a patch for this failure, if it applies here."""
    target = PatchTarget(memory.target)
    try:
        if target is PatchTarget.REPOSITORY:
            if ctx.repo is None:
                return None
            await git("apply", "--check", "-", cwd=ctx.repo, stdin=memory.diff.encode())
        else:
            if ctx.definition is None:
                return None
            with tempfile.TemporaryDirectory(prefix="conveyor-recall-") as scratch:
                (Path(scratch) / PIPELINE_FILE).write_text(ctx.definition)
                await git("apply", "--check", "-", cwd=Path(scratch), stdin=memory.diff.encode())
    except GitError:
        return None
    explanation = f"Remembered: this fix was verified for the same failure in session {memory.session_id}. "
    proposal = Proposal(memory.fixer, target, explanation + memory.explanation, 0.95)
    return Candidate(proposal, memory.diff, list(memory.files), from_memory=True)
