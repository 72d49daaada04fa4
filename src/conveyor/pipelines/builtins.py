"""Built-in steps (``uses: conveyor/...``): a registry of handlers that later domains fill.

Each later domain's step is named here with the module that registers it, imported the first
time a job uses the step: a runner (and ``conveyor run``) loads the security scanner only for a
pipeline that scans.

A handler gets the step's workspace, its ``with`` inputs, a log function and the job it runs in
(with the way to the server, for steps that record what they find), and returns an outcome.
Unknown names are rejected when a pipeline is validated.

A step that records (a scan, a diagram) does its work where the job runs and records through
its domain's recorder (``security/recorder.py``, ``architecture/recorder.py``): straight into the
database on a server node (``InProcess``), or through the worker API from a remote worker, which
holds no database credentials (``WorkerApi``). The step's code is the same for both.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:  # not imported by `conveyor run`, whose steps record nowhere
    from conveyor.db import Database
    from conveyor.events.bus import EventBus


@dataclass(frozen=True)
class InProcess:
    """The job runs on a server node: its steps record with the server's database and bus."""

    db: Database
    bus: EventBus


class WorkerApiError(Exception):
    """The server refused a worker API call (its reason) or could not be reached."""


class WorkerApi(Protocol):
    """The job runs on a remote worker: the worker API, scoped to the job the worker claimed."""

    async def call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """The JSON answer of ``method /api/v1/workers/jobs/{job id}/{path}`` (``WorkerApiError``
        with the server's reason when it refuses)."""


@dataclass(frozen=True)
class BuiltinJob:
    project_id: str
    execution_id: str
    job_id: str
    ref: str | None
    commit_sha: str | None
    server: InProcess | WorkerApi


TOOLS_DIRECTORY = "tools"  # beside a job's step files: what setup-python and the like install


@dataclass(frozen=True)
class BuiltinContext:
    """What a built-in step gets. It talks back as a run step does: outputs, variables and PATH
    entries for the steps after it go to the files named by ``$GITHUB_OUTPUT``, ``$GITHUB_ENV``
    and ``$GITHUB_PATH`` in ``env``; ``tools`` is where it may install what later steps run."""

    workspace: Path
    inputs: Mapping[str, str]
    env: Mapping[str, str]
    log: Callable[[str], None]
    job: BuiltinJob | None = None
    caches: Sequence[Mapping[str, object]] = ()  # what the job's caches did before its first step
    tools: Path | None = None


@dataclass(frozen=True)
class BuiltinOutcome:
    status: Literal["success", "failed", "skipped"]
    reason: str | None = None


BuiltinHandler = Callable[[BuiltinContext], Awaitable[BuiltinOutcome]]

BUILTIN_STEPS: dict[str, BuiltinHandler] = {}
# the GitHub actions provided natively (docs/github-actions.md), any version of each
GITHUB_ACTIONS = (
    "actions/checkout",
    "actions/setup-python",
    "actions/setup-node",
    "actions/cache",
    "actions/upload-artifact",
    "actions/download-artifact",
)
# Steps of later domains that record what they find on the server (a job needs a database or
# the worker API for them: ``BuiltinJob.server``).
RECORDING = frozenset({"conveyor/security-scan", "conveyor/architecture"})
# Steps of later domains: the module whose import registers each.
PROVIDERS = {
    "conveyor/security-scan": "conveyor.security.step",
    "conveyor/architecture": "conveyor.architecture.step",
    **dict.fromkeys(GITHUB_ACTIONS, "conveyor.runners.actions"),
}


def register(name: str) -> Callable[[BuiltinHandler], BuiltinHandler]:
    def add(handler: BuiltinHandler) -> BuiltinHandler:
        BUILTIN_STEPS[name] = handler
        return handler

    return add


def known_steps() -> list[str]:
    return sorted({*BUILTIN_STEPS, *PROVIDERS})


def handler_of(name: str) -> BuiltinHandler:
    """The step's handler, its domain's module imported first if it was not yet
    (``KeyError`` for a name no validated pipeline can hold)."""
    if name not in BUILTIN_STEPS and name in PROVIDERS:
        importlib.import_module(PROVIDERS[name])
    return BUILTIN_STEPS[name]
