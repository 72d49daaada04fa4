"""Patches for failed runs: proposed by the fixers, applied on a branch, verified, rolled back."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.integration.debug.test_sessions import session_event
from tests.support.pipelines import PipelineApi, completed, make_repo
from tests.support.server import RunningServer
from tests.support.sockets import Listener

RUFF = f"{sys.executable} -m ruff"
LINT = f"""
name: ci
jobs:
  lint:
    steps:
      - name: Ruff
        run: {RUFF} check --no-cache . && {RUFF} format --check --no-cache .
"""


async def proposed(listener: Listener, timeout: float = 60) -> dict[str, Any]:
    _, envelope = await listener.next(session_event("debug_session_updated", "patch_proposed"), timeout)
    session: dict[str, Any] = envelope["data"]["session"]
    return session


async def broken_lint(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> tuple[Path, str, str, Listener]:
    repo = make_repo(tmp_path / "repo", {"app/main.py": "import os\nimport sys\nprint( sys.argv )\n"})
    project = await api.project("lint", repo)
    pipeline = await api.pipeline(project, LINT)
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    assert (await completed(listener, execution_id))["data"]["execution"]["status"] == "failed"
    return repo, project, execution_id, listener


async def test_a_lint_failure_gets_a_ruff_patch(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    _, _, execution_id, listener = await broken_lint(server, api, tmp_path)
    session = await proposed(listener)
    assert session["executionId"] == execution_id
    assert session["classification"]["label"] == "lint_format"
    [patch] = session["patches"]
    assert patch["fixer"] == "ruff" and patch["target"] == "repository" and patch["status"] == "proposed"
    assert patch["files"] == ["app/main.py"] and "-import os\n" in patch["diff"]
    generated = next(envelope for name, envelope in listener.received if name == "debug_patch_generated")
    assert generated["data"]["patchId"] == patch["id"] and generated["data"]["patch"]["diff"] == patch["diff"]
