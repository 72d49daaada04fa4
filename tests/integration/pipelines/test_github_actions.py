"""GitHub Actions workflows run as they are, when the project turns them on: PhiK's test
workflow (adapted to run offline, tests/data/github_workflows/adapted) and one that uses every
feature Conveyor provides, on the local runner in its sandbox."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.executions.test_triggers import HOOK_SECRET, sign
from tests.integration.pipelines.test_repository import all_completed
from tests.support.pipelines import PipelineApi, make_repo
from tests.support.server import RunningServer

ADAPTED = Path(__file__).parents[2] / "data" / "github_workflows" / "adapted"
PHIK_LIKE = {
    "phik_mini/__init__.py": "def correlation(a, b):\n    return 1.0 if a == b else 0.0\n",
    "tests/test_phik.py": (
        "import sys, unittest\nsys.path.insert(0, '..')\nfrom phik_mini import correlation\n\n"
        "class PhiK(unittest.TestCase):\n    def test_same(self):\n"
        "        self.assertEqual(correlation(1, 1), 1.0)\n"
    ),
    "requirements.txt": "nothing\n",
    ".github/workflows/tests.yml": (ADAPTED / "phik-tests.yml").read_text(),
    ".github/workflows/features.yml": (ADAPTED / "features.yml").read_text(),
}


async def test_workflows_run_on_the_local_runner_once_the_project_turns_them_on(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", PHIK_LIKE)
    sha = (repo / ".git" / "refs" / "heads" / "main").read_text().strip()
    project = await api.project("workflows", repo)
    assert await api.request("POST", f"/projects/{project}/pipelines/sync", 200, json={}) == []
    changed = await api.request("PATCH", f"/projects/{project}", 200, json={"githubWorkflows": True})
    assert changed["githubWorkflows"] is True
    synced = await api.request("POST", f"/projects/{project}/pipelines/sync", 200, json={})
    assert [(p["name"], p["path"], p["error"]) for p in synced] == [
        ("features", ".github/workflows/features.yml", None),
        ("tests", ".github/workflows/tests.yml", None),
    ]
    await api.request(
        "PUT", f"/projects/{project}/secrets/CONVEYOR_WEBHOOK_SECRET", 204, json={"value": HOOK_SECRET}
    )
    listener = await server.authenticated_socket(api.token)
    body = json.dumps({"ref": "refs/heads/main", "after": sha}).encode()
    async with server.api() as client:
        response = await client.post(
            f"/api/v1/hooks/github/{project}",
            content=body,
            headers={"X-GitHub-Event": "push", "X-Hub-Signature-256": sign(body)},
        )
    assert response.status_code == 202, response.text
    started = response.json()["executionIds"]
    done = await all_completed(listener, started)
    by_pipeline = {synced_p["id"]: synced_p["name"] for synced_p in synced}
    runs = {by_pipeline[execution["pipelineId"]]: execution for execution in done.values()}

    tests = runs["tests"]
    assert tests["status"] == "success", tests
    log = await api.log_text(tests["id"], "tests")
    assert any("actions/setup-python: Python 3.11" in line for line in log), log
    assert any(line.startswith("pip ") and "python-3.11" in line for line in log), log
    assert "OK" in log and any("test_same" in line and "ok" in line for line in log), log

    features = runs["features"]
    assert features["status"] == "success", features
    build = await api.log_text(features["id"], "build")
    assert "env=exported exported hello" in build and "tool-ran" in build, build
    assert f"ref=refs/heads/main event=push sha={sha} os=Linux" in build
    assert "summary: ### Build summary" in build and "cache-hit=false" in build
    assert any(line.startswith("node v20.") for line in build), build
    use = await api.log_text(features["id"], "use")
    assert "wheel" in use and "version=1.1" in use and "old=failure" in use, use
    assert any("Python 2.5 is not installed on this runner (it has " in line for line in use), use
    jobs = {job["key"]: job for job in features["jobs"]}
    assert jobs["build"]["outputs"] == {"version": "1.1"}
    assert [cache["hit"] for cache in jobs["build"]["caches"]] == ["miss"]
    assert jobs["build"]["caches"][0]["saved"] is True
    assert jobs["use"]["steps"][2]["status"] == "failed" and jobs["use"]["status"] == "success"
    artifacts = await api.request("GET", f"/executions/{features['id']}/artifacts", 200)
    assert [artifact["path"] for artifact in artifacts] == ["dist/pkg.txt"]
