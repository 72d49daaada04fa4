"""Built-in steps (``uses: conveyor/...``): a registry of handlers that later domains fill.

A handler gets the step's workspace, its ``with`` inputs, a log function and the job it runs in
(with the runner's database and bus, for steps that record what they find), and returns an
outcome. Unknown names are rejected when a pipeline is validated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from conveyor.db import Database
from conveyor.events.bus import EventBus


@dataclass(frozen=True)
class BuiltinJob:
    project_id: str
    execution_id: str
    job_id: str
    ref: str | None
    commit_sha: str | None
    db: Database
    bus: EventBus


@dataclass(frozen=True)
class BuiltinContext:
    workspace: Path
    inputs: Mapping[str, str]
    env: Mapping[str, str]
    log: Callable[[str], None]
    job: BuiltinJob | None = None


@dataclass(frozen=True)
class BuiltinOutcome:
    status: Literal["success", "failed", "skipped"]
    reason: str | None = None


BuiltinHandler = Callable[[BuiltinContext], Awaitable[BuiltinOutcome]]

BUILTIN_STEPS: dict[str, BuiltinHandler] = {}


def register(name: str) -> Callable[[BuiltinHandler], BuiltinHandler]:
    def add(handler: BuiltinHandler) -> BuiltinHandler:
        BUILTIN_STEPS[name] = handler
        return handler

    return add


def _not_configured(name: str, what: str) -> BuiltinHandler:
    async def handler(context: BuiltinContext) -> BuiltinOutcome:
        context.log(f"{name}: not configured — {what} is not available on this runner yet; step skipped")
        return BuiltinOutcome("skipped", "not configured")

    return handler


register("conveyor/security-scan")(_not_configured("conveyor/security-scan", "the security scanner"))
