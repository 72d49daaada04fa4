"""From fixers' proposals to checked patches: a unified diff that touches only repository files
(or the pipeline's definition), stored and announced with ``debug_patch_generated``."""

from __future__ import annotations

import asyncio
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import new_id, utcnow
from conveyor.debug import sessions
from conveyor.debug.fixers import FixContext, Fixer, Proposal
from conveyor.debug.fixers.base import PIPELINE_FILE
from conveyor.debug.git import GitError, diff, reset
from conveyor.debug.models import DebugPatch, DebugSession
from conveyor.debug.schemas import PatchRead, PatchStatus, PatchTarget, SessionStatus
from conveyor.events.bus import EventBus
from conveyor.events.catalog import DebugPatchData, EventType
from conveyor.events.schemas import Emission, emission

log = structlog.get_logger(__name__)
FIXER_TIMEOUT_SECONDS = 90
MAX_DIFF_CHARS = 200_000
_DIFF_PATH = re.compile(r"^(?:diff --git a/(\S+) b/(\S+)|(?:---|\+\+\+) (?:[ab]/)?(\S+))", re.MULTILINE)


class UnsafeDiff(ValueError):
    pass


@dataclass(frozen=True)
class Candidate:
    proposal: Proposal
    diff: str
    files: list[str]
    from_memory: bool = False


async def generate(ctx: FixContext, fixers: Sequence[Fixer]) -> list[Candidate]:
    """Every applicable fixer's patch, in the fixers' order; a fixer that fails is skipped."""
    found: list[Candidate] = []
    for fixer in fixers:
        try:
            proposal = await asyncio.wait_for(fixer.propose(ctx), FIXER_TIMEOUT_SECONDS)
            candidate = await _candidate(ctx, proposal) if proposal else None
        except (TimeoutError, GitError, UnsafeDiff, OSError, UnicodeDecodeError) as exc:
            log.warning("fixer failed", fixer=fixer.name, error=str(exc))
            candidate = None
        finally:
            if ctx.repo is not None:
                await reset(ctx.repo)
        if candidate is not None:
            found.append(candidate)
    return found


async def _candidate(ctx: FixContext, proposal: Proposal) -> Candidate | None:
    if proposal.target is PatchTarget.PIPELINE:
        if ctx.definition is None or proposal.definition is None:
            return None
        text = pipeline_diff(ctx.definition, proposal.definition)
    else:
        assert ctx.repo is not None
        text = await diff(ctx.repo)
    if not text.strip():
        return None
    return Candidate(proposal, text, files_of(text))


def pipeline_diff(old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        f"a/{PIPELINE_FILE}",
        f"b/{PIPELINE_FILE}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def files_of(text: str) -> list[str]:
    """The files a diff touches; UnsafeDiff when one is outside the repository or too big."""
    if len(text) > MAX_DIFF_CHARS:
        raise UnsafeDiff(f"the diff is over {MAX_DIFF_CHARS} characters")
    files: list[str] = []
    for match in _DIFF_PATH.finditer(text):
        for name in filter(None, match.groups()):
            if name == "/dev/null":
                continue
            parts = name.split("/")
            if name.startswith("/") or ".." in parts or ".git" in parts or "\\" in name:
                raise UnsafeDiff(f"the diff touches {name!r}, outside the repository's files")
            files.append(name)
    if not files:
        raise UnsafeDiff("the diff names no file")
    return list(dict.fromkeys(files))


async def record(
    session: AsyncSession,
    bus: EventBus,
    debug: DebugSession,
    found: Sequence[Candidate],
    base_commit: str | None,
) -> list[DebugPatch]:
    """Store the patches; the session becomes ``patch_proposed`` (it stays ``diagnosed`` without any)."""
    rows = [_row(debug, candidate, base_commit) for candidate in found]
    if not rows:
        return []
    session.add_all(rows)
    await session.flush()
    events = [patch_event(debug, row) for row in rows]
    await sessions.set_status(session, bus, debug, SessionStatus.PATCH_PROPOSED, *events)
    return rows


def _row(debug: DebugSession, candidate: Candidate, base_commit: str | None) -> DebugPatch:
    proposal = candidate.proposal
    return DebugPatch(
        id=new_id(),
        session_id=debug.id,
        fixer=proposal.fixer,
        target=proposal.target,
        diff=candidate.diff,
        files=candidate.files,
        explanation=proposal.explanation,
        confidence=proposal.confidence,
        from_memory=candidate.from_memory,
        status=PatchStatus.PROPOSED,
        base_commit=base_commit if proposal.target is PatchTarget.REPOSITORY else None,
        created_at=utcnow(),
    )


def patch_event(debug: DebugSession, patch: DebugPatch) -> Emission:
    data = DebugPatchData(sessionId=debug.id, patchId=patch.id, patch=PatchRead.model_validate(patch))
    return emission(EventType.DEBUG_PATCH_GENERATED, data, **sessions.audience(debug))
