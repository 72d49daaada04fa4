"""A pipeline's status badge: a shields.io-style flat SVG (label: the pipeline, message: how its
latest finished run on a branch ended), readable without login when the project allows it."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.principal import Principal
from conveyor.auth.roles import Role
from conveyor.errors import NotFound
from conveyor.executions.models import Execution
from conveyor.pipelines.models import Pipeline
from conveyor.projects.access import require_in_project
from conveyor.projects.models import Project
from conveyor.status import TERMINAL, Status

CACHE_SECONDS = 60
MAX_LABEL_CHARS = 60
_MESSAGES = {
    Status.SUCCESS: ("passing", "#4c1"),
    Status.FAILED: ("failing", "#e05d44"),
    Status.TIMED_OUT: ("timed out", "#dfb317"),
    Status.CANCELLED: ("cancelled", "#9f9f9f"),
}
_NO_RUNS = ("no runs", "#9f9f9f")
_NARROW, _WIDE = set("fijlrt.,:;!|' ()[]"), set("mwMW@%")


@dataclass(frozen=True)
class Badge:
    svg: str
    public: bool


async def pipeline_badge(
    session: AsyncSession, principal: Principal | None, pipeline_id: str, branch: str | None
) -> Badge:
    """The badge of the pipeline's latest finished run on ``branch`` (default: the project's
    default branch when it has a repository, else any ref), pull request runs aside. A project
    whose badges are not public answers only its members; anyone else gets 404."""
    pipeline = await session.get(Pipeline, pipeline_id)
    project = await session.get(Project, pipeline.project_id) if pipeline else None
    if pipeline is None or project is None:
        raise NotFound(f"pipeline {pipeline_id} not found")
    if not project.public_badges:
        if principal is None:
            raise NotFound(f"pipeline {pipeline_id} not found")
        await require_in_project(session, principal, project.id, Role.VIEWER, what=f"pipeline {pipeline_id}")
    branch = branch or (project.default_branch if project.repo_url else None)
    statement = select(Execution.status).where(
        Execution.pipeline_id == pipeline.id,
        Execution.pull_request.is_(None),
        Execution.status.in_(sorted(TERMINAL - {Status.SKIPPED})),
    )
    if branch:
        statement = statement.where(Execution.ref.in_([branch, f"refs/heads/{branch}"]))
    latest = (await session.execute(statement.order_by(Execution.number.desc()).limit(1))).scalar()
    message, color = _MESSAGES.get(Status(latest), _NO_RUNS) if latest else _NO_RUNS
    return Badge(render(pipeline.name[:MAX_LABEL_CHARS], message, color), project.public_badges)


def render(label: str, message: str, color: str) -> str:
    """shields.io's "flat" badge: grey label, coloured message, Verdana 11 px."""
    left, right = _width(label) + 10, _width(message) + 10
    total = left + right
    label_text, message_text = escape(label), escape(message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{escape(label, {chr(34): "&quot;"})}: {message_text}">'
        f"<title>{label_text}: {message_text}</title>"
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{color}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        'font-size="11">'
        f'<text x="{left / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{label_text}</text>'
        f'<text x="{left / 2:.1f}" y="14">{label_text}</text>'
        f'<text x="{left + right / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{message_text}</text>'
        f'<text x="{left + right / 2:.1f}" y="14">{message_text}</text></g></svg>'
    )


def _width(text: str) -> int:
    """Roughly what Verdana 11 px needs for ``text``."""
    return sum(4 if c in _NARROW else 10 if c in _WIDE else 8 if c.isupper() else 7 for c in text)
