"""Patches for failed runs: proposed by the fixers, applied on a branch, verified, rolled back."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.debug.test_sessions import session_event
from tests.support.pipelines import PipelineApi, completed, git, make_repo
from tests.support.server import RunningServer
from tests.support.sockets import Listener

# The pipeline runs this test environment's ruff, which the sandbox (rightly) does not show.
pytestmark = pytest.mark.unconfined
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
    repo = make_repo(tmp_path / "repo", {"app/main.py": "import os\nimport sys\n\nprint(sys.argv)\n"})
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


def _worktree(path: Path) -> bool:
    return ".git" not in path.parts and path.is_file()


def snapshot(repo: Path) -> dict[str, str]:
    """Every ref with its commit, the index, the working tree and HEAD's tree."""
    return {
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "head": git(repo, "symbolic-ref", "HEAD"),
        "tree": git(repo, "rev-parse", "HEAD^{tree}"),
        "index": git(repo, "ls-files", "--stage"),
        "status": git(repo, "status", "--porcelain", "--ignored"),
        "files": "\n".join(
            f"{p}:{p.read_bytes().hex()}"
            for p in sorted(repo.rglob("*"))
            if ".git" not in p.parts and p.is_file()
        ),
    }


async def patch_of(api: PipelineApi, project: str, listener: Listener) -> tuple[str, dict[str, Any]]:
    session = await proposed(listener)
    return session["sessionId"], session["patches"][0]


async def test_apply_verifies_on_a_branch_and_rollback_restores_the_repository_exactly(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo, project, _, listener = await broken_lint(server, api, tmp_path)
    session_id, patch = await patch_of(api, project, listener)
    await api.request("POST", f"/debug/patches/{patch['id']}/rollback", 409)
    before = snapshot(repo)

    applied = await api.request("POST", f"/debug/patches/{patch['id']}/apply", 200)
    branch = f"conveyor/fix-{session_id}"
    assert applied["status"] == "verifying" and applied["branch"] == branch
    assert git(repo, "rev-parse", f"refs/heads/{branch}") == applied["commit"]
    assert git(repo, "rev-parse", f"{applied['commit']}^") == git(repo, "rev-parse", "main")
    assert "-import os" in git(repo, "show", applied["commit"])
    assert snapshot(repo) | {"refs": ""} == before | {"refs": ""}, "only a new branch, nothing else"
    await api.request("POST", f"/debug/patches/{patch['id']}/apply", 409)

    verification = applied["verificationExecutionId"]
    assert (await completed(listener, verification))["data"]["execution"]["status"] == "success"
    _, fixed = await listener.next(session_event("debug_session_updated", "fixed"), 30)
    assert fixed["data"]["session"]["patches"][0]["verified"] is True
    results = [e["data"]["result"] for n, e in listener.received if n == "debug_patch_applied"]
    assert results[0]["verified"] is None and results[-1] == {
        "success": True,
        "message": results[-1]["message"],
        "branch": branch,
        "commit": applied["commit"],
        "verificationExecutionId": verification,
        "verified": True,
    }
    execution = await api.execution(verification)
    assert execution["ref"] == branch and execution["commitSha"] == applied["commit"]
    assert execution["trigger"] == "debug"

    rolled = await api.request("POST", f"/debug/patches/{patch['id']}/rollback", 200)
    assert rolled["status"] == "rolled_back"
    assert snapshot(repo) == before
    _, rollback = await listener.next(lambda item: item[0] == "debug_patch_rollback", 30)
    assert (
        rollback["data"]["result"]["success"] is True and "deleted" in rollback["data"]["result"]["message"]
    )
    session = await api.request("GET", f"/debug/sessions/{session_id}", 200)
    assert session["status"] == "rolled_back"
    await api.request("POST", f"/debug/patches/{patch['id']}/rollback", 409)
    acts = [e["data"]["activity"] for n, e in listener.received if n == "user_activity"]
    by_kind = {a["kind"]: a for a in acts if a["kind"].startswith("patch_")}
    assert set(by_kind) == {"patch_applied", "patch_rolled_back"}, acts
    assert all(a["patchId"] == patch["id"] and a["projectId"] == project for a in by_kind.values())
    assert by_kind["patch_applied"]["summary"] == f"Applied ruff patch ({branch})"


SLOW = """
jobs:
  slow:
    timeout: 2
    steps:
      - run: sleep 3
"""


async def timed_out(
    server: RunningServer, api: PipelineApi
) -> tuple[dict[str, Any], dict[str, Any], Listener]:
    project = await api.project("slow")
    pipeline = await api.pipeline(project, SLOW)
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    assert (await completed(listener, execution_id))["data"]["execution"]["status"] == "timed_out"
    [patch] = (await proposed(listener))["patches"]
    assert patch["fixer"] == "timeout" and patch["target"] == "pipeline"
    assert "-    timeout: 2\n+    timeout: 4\n" in patch["diff"]
    return pipeline, patch, listener


async def test_a_pipeline_patch_is_verified_and_rolled_back_to_the_exact_definition(
    server: RunningServer, api: PipelineApi
) -> None:
    pipeline, patch, listener = await timed_out(server, api)
    before = (await api.request("GET", f"/pipelines/{pipeline['id']}", 200))["definition"]
    applied = await api.request("POST", f"/debug/patches/{patch['id']}/apply", 200)
    after = (await api.request("GET", f"/pipelines/{pipeline['id']}", 200))["definition"]
    assert after == before.replace("timeout: 2", "timeout: 4")
    verification = applied["verificationExecutionId"]
    assert (await completed(listener, verification))["data"]["execution"]["status"] == "success"
    await listener.next(session_event("debug_session_updated", "fixed"), 30)
    await api.request("POST", f"/debug/patches/{patch['id']}/rollback", 200)
    assert (await api.request("GET", f"/pipelines/{pipeline['id']}", 200))["definition"] == before


async def test_a_patch_that_no_longer_applies_changes_nothing(
    server: RunningServer, api: PipelineApi
) -> None:
    pipeline, patch, _ = await timed_out(server, api)
    edited = SLOW.lstrip().replace("timeout: 2", "timeout: 3")
    await api.request("PUT", f"/pipelines/{pipeline['id']}", 200, json={"definition": edited})
    refused = await api.request("POST", f"/debug/patches/{patch['id']}/apply", 409)
    assert "no longer applies" in refused["detail"]
    assert (await api.request("GET", f"/pipelines/{pipeline['id']}", 200))["definition"] == edited
    session = await api.request("GET", f"/debug/sessions/{patch['sessionId']}", 200)
    assert session["status"] == "patch_proposed" and session["patches"][0]["status"] == "proposed"


async def test_a_repository_that_cannot_be_written_is_reported(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo, project, _, listener = await broken_lint(server, api, tmp_path)
    session_id, patch = await patch_of(api, project, listener)
    hook = repo / ".git" / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'this repository is read-only' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = snapshot(repo)
    refused = await api.request("POST", f"/debug/patches/{patch['id']}/apply", 409)
    assert "cannot be written" in refused["detail"] and "read-only" in refused["detail"]
    assert snapshot(repo) == before
    session = await api.request("GET", f"/debug/sessions/{session_id}", 200)
    assert "cannot be written" in session["explanation"]
    assert session["patches"][0]["status"] == "proposed" and "read-only" in session["patches"][0]["error"]


async def test_only_maintainers_apply_and_strangers_see_nothing(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    _, project, _, listener = await broken_lint(server, api, tmp_path)
    _, patch = await patch_of(api, project, listener)
    viewer_id, viewer_token = await server.create_user("viewer")
    await api.request("PUT", f"/projects/{project}/members/{viewer_id}", json={"role": "viewer"})
    await PipelineApi(server, viewer_token).request("POST", f"/debug/patches/{patch['id']}/apply", 403)
    _, stranger = await server.create_user("stranger")
    await PipelineApi(server, stranger).request("POST", f"/debug/patches/{patch['id']}/apply", 404)
    await api.request("POST", "/debug/patches/nope/rollback", 404)
