"""The worker API (/api/v1/workers) spoken by hand, as a worker would, against a server that
queues jobs on Celery with no worker running: jobs wait until the test claims them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import redis

from conveyor.config import Settings
from tests.integration.runners.conftest import add_worker_token
from tests.support.pipelines import PipelineApi, job_of
from tests.support.server import RunningServer

TWO_JOBS = """
jobs:
  build:
    artifacts: {paths: [out.txt]}
    steps: [{run: echo build > out.txt}]
  test:
    needs: [build]
    steps: [{run: cat out.txt}]
"""


@pytest.fixture
def celery_settings(celery_settings: Settings) -> Settings:
    """Leases long enough for a test that heartbeats by hand only when it says so."""
    return celery_settings.model_copy(update={"job_lease_seconds": 120})


class Worker:
    """One worker token's view of the worker API."""

    def __init__(self, server: RunningServer, token: str, runner: str = "celery@test:1") -> None:
        self.server, self.token, self.runner = server, token, runner

    async def call(self, method: str, path: str, **options: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **options.pop("headers", {})}
        async with httpx.AsyncClient(base_url=self.server.base_url, timeout=30) as client:
            return await client.request(method, f"/api/v1/workers{path}", headers=headers, **options)

    async def claim(self, job_id: str) -> httpx.Response:
        return await self.call("POST", f"/jobs/{job_id}/claim", json={"runner": self.runner})

    async def finish(self, job_id: str, status: str = "success") -> httpx.Response:
        body = {
            "runner": self.runner,
            "status": status,
            "exitCode": 0,
            "error": None,
            "outputs": None,
            "caches": None,
        }
        return await self.call("POST", f"/jobs/{job_id}/finish", json=body)


async def queued_execution(api: PipelineApi, name: str, secret: str) -> dict[str, Any]:
    project = await api.project(name)
    await api.request("PUT", f"/projects/{project}/secrets/DEPLOY_KEY", 204, json={"value": secret})
    pipeline = await api.pipeline(project, TWO_JOBS)
    return await api.execution(await api.start(pipeline["id"]))


async def test_worker_tokens_are_made_by_admins_shown_once_and_revocable(
    celery_server: RunningServer, celery_api: PipelineApi
) -> None:
    _, user_token = await celery_server.create_user("alice")
    as_user = PipelineApi(celery_server, user_token)
    refused = await as_user.request("POST", "/workers/tokens", 403, json={"name": "farm"})
    assert refused["detail"] == "this needs a global admin"
    await celery_api.request("POST", "/workers/tokens", 422, json={"name": ""})

    created = await celery_api.request("POST", "/workers/tokens", 201, json={"name": "farm"})
    assert created["token"].startswith("cvw_") and created["prefix"] == created["token"][:8]
    listed = await celery_api.request("GET", "/workers/tokens", 200)
    farm = next(t for t in listed if t["id"] == created["id"])
    assert "token" not in farm and farm["revokedAt"] is None and farm["lastUsedAt"] is None

    execution = await queued_execution(celery_api, "tokens", "s3cret-value")
    worker = Worker(celery_server, created["token"])
    # a worker token opens nothing but the worker API
    plain = PipelineApi(celery_server, created["token"])
    assert (await plain.request("GET", "/projects", 401))["detail"].startswith("invalid token")
    await celery_api.request("DELETE", f"/workers/tokens/{created['id']}", 204)
    response = await worker.claim(job_of(execution, "build")["id"])
    assert response.status_code == 401, response.text
    assert response.json()["detail"] == "invalid token: unknown or revoked worker token"
    assert (await celery_api.request("GET", "/workers/tokens", 200))[-1]["revokedAt"] is not None
    # and a user's token does not open the worker API
    user_as_worker = Worker(celery_server, user_token)
    assert (await user_as_worker.claim(job_of(execution, "build")["id"])).status_code == 401


async def test_a_claim_gives_the_job_and_its_secrets_once_and_only_to_its_worker(
    celery_settings: Settings, celery_server: RunningServer, celery_api: PipelineApi
) -> None:
    mine = Worker(celery_server, str(celery_settings.worker_token))
    other = Worker(
        celery_server, await add_worker_token(str(celery_settings.database_url), "other"), "celery@b:2"
    )
    await queued_execution(celery_api, "elsewhere", "not-for-this-job")
    execution = await queued_execution(celery_api, "claims", "s3cret-value")
    build, test = job_of(execution, "build")["id"], job_of(execution, "test")["id"]

    claimed = await mine.claim(build)
    assert claimed.status_code == 200, claimed.text
    assignment = claimed.json()
    assert assignment["secrets"] == {"DEPLOY_KEY": "s3cret-value"}  # this project's, no other's
    assert assignment["jobId"] == build and assignment["plan"]["steps"][0]["run"] == "echo build > out.txt"
    again = await other.claim(build)
    assert again.status_code == 409 and "not waiting for a runner" in again.json()["detail"]
    assert (await mine.claim(test)).status_code == 409, "a job whose needs have not run is not queued"

    # the other token can do nothing with the job it did not claim
    beat = {"runner": other.runner, "pgid": None}
    for method, path, body in [
        ("POST", f"/jobs/{build}/heartbeat", beat),
        ("POST", f"/jobs/{build}/report", {"runner": other.runner, "lines": [], "steps": []}),
        ("POST", f"/jobs/{build}/finish", None),
    ]:
        response = await (other.finish(build) if body is None else other.call(method, path, json=body))
        assert response.status_code == 404, (path, response.text)
    # the right token with another runner's name learns it does not hold the job
    impostor = Worker(celery_server, mine.token, "celery@elsewhere:3")
    assert (
        await impostor.call("POST", f"/jobs/{build}/heartbeat", json={"runner": impostor.runner})
    ).json() == {
        "held": False,
        "cancel": False,
    }

    line = {
        "n": 0,
        "step": 0,
        "ts": datetime.now(UTC).isoformat(),
        "text": "hello from a worker",
        "origin": "step",
    }
    step = {"index": 0, "status": "running", "exitCode": None, "error": None}
    report = await mine.call(
        "POST", f"/jobs/{build}/report", json={"runner": mine.runner, "lines": [line], "steps": [step]}
    )
    assert report.json() == {"held": True}
    # the same batch sent again (its answer lost) is not stored twice
    await mine.call(
        "POST", f"/jobs/{build}/report", json={"runner": mine.runner, "lines": [line], "steps": []}
    )
    assert await celery_api.log_text(execution["id"], "build") == ["hello from a worker"]

    upload = await mine.call(
        "PUT",
        f"/jobs/{build}/artifacts",
        params={"runner": mine.runner, "path": "out.txt"},
        content=b"build\n",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert upload.status_code == 201 and upload.json()["size"] == 6, upload.text
    outside = await mine.call(
        "PUT", f"/jobs/{build}/artifacts", params={"runner": mine.runner, "path": "../x"}, content=b"x"
    )
    assert outside.status_code == 422

    queue = redis.Redis.from_url(str(celery_settings.redis_url))
    before = queue.llen(celery_settings.celery_queue)
    assert (await mine.finish(build)).json() == {"held": True}
    assert queue.llen(celery_settings.celery_queue) == before + 1, "the server dispatched the next job"
    assert (await mine.finish(build)).json() == {"held": False}

    # the next job reads the artifacts of the jobs it needs, and of no other
    assert (await other.claim(test)).status_code == 200
    sources = other.call("GET", f"/jobs/{test}/sources/{build}/artifacts", params={"runner": other.runner})
    [artifact] = (await sources).json()
    content = await other.call(
        "GET", f"/jobs/{test}/sources/{build}/artifacts/{artifact['id']}", params={"runner": other.runner}
    )
    assert content.content == b"build\n"
    stranger = await other.call(
        "GET", f"/jobs/{test}/sources/{test}/artifacts", params={"runner": other.runner}
    )
    assert stranger.status_code == 404
    assert (
        await mine.call("GET", f"/jobs/{test}/sources/{build}/artifacts", params={"runner": mine.runner})
    ).status_code == 404


async def test_an_artifact_past_the_limit_is_refused_and_nothing_is_kept(
    celery_settings: Settings, celery_server: RunningServer, celery_api: PipelineApi
) -> None:
    celery_server.settings.artifact_max_bytes = 1024
    worker = Worker(celery_server, str(celery_settings.worker_token))
    execution = await queued_execution(celery_api, "big", "s3cret-value")
    build = job_of(execution, "build")["id"]
    assert (await worker.claim(build)).status_code == 200

    async def body() -> Any:
        for _ in range(4):
            yield b"x" * 512

    too_big = await worker.call(
        "PUT", f"/jobs/{build}/artifacts", params={"runner": worker.runner, "path": "big.bin"}, content=body()
    )
    assert too_big.status_code == 413, too_big.text
    assert "CONVEYOR_ARTIFACT_MAX_BYTES" in too_big.json()["detail"]
    assert await celery_api.request("GET", f"/executions/{execution['id']}/artifacts", 200) == []


def finding(**changes: Any) -> dict[str, Any]:
    return {
        "scanner": "detect-secrets",
        "kind": "secret",
        "ruleId": "secret/aws-access-key",
        "title": "AWS Access Key committed",
        "severity": "critical",
        "fingerprint": "0123456789abcdef0123456789abcdef",
        "remediation": "Revoke the key and read it from a secret.",
        "file": "settings.py",
        "line": 3,
        **changes,
    }


def scanner_run(*found: dict[str, Any], name: str = "detect-secrets") -> dict[str, Any]:
    return {"name": name, "status": "completed", "findings": len(found), "seconds": 0.5, "found": list(found)}


GRAPH = {
    "components": [
        {"id": "app.api", "modules": 2, "sample": ["app.api.routes"]},
        {"id": "app.core", "modules": 1, "sample": []},
    ],
    "edges": [{"from": "app.core", "to": "app.api", "imports": 1}],
    "cycles": [],
    "breaches": [{"from": "app.core", "to": "app.api", "rule": "layer 2 may not import layer 1"}],
    "skipped": [],
    "stats": {"modules": 3, "files": {"python": 3}, "components": 2},
}


async def test_a_worker_records_scans_and_diagrams_only_for_the_job_it_claimed(
    celery_settings: Settings, celery_server: RunningServer, celery_api: PipelineApi
) -> None:
    mine = Worker(celery_server, str(celery_settings.worker_token))
    other = Worker(
        celery_server, await add_worker_token(str(celery_settings.database_url), "other"), "celery@b:2"
    )
    ours, theirs = (
        await queued_execution(celery_api, "ours", "s1-value"),
        await queued_execution(celery_api, "theirs", "s2-value"),
    )
    job, their_job = job_of(ours, "build")["id"], job_of(theirs, "build")["id"]
    assert (await mine.claim(job)).status_code == 200
    assert (await other.claim(their_job)).status_code == 200
    me, them = {"runner": mine.runner}, {"runner": other.runner}

    # a token that did not claim the job can start nothing on it
    refused = await other.call("POST", f"/jobs/{job}/scans", json=them)
    assert refused.status_code == 404 and "among the jobs this worker token claimed" in refused.text
    started = await mine.call("POST", f"/jobs/{job}/scans", json=me)
    assert started.status_code == 201, started.text
    scan = started.json()
    assert (scan["projectId"], scan["jobId"], scan["status"], scan["trigger"]) == (
        ours["projectId"],
        job,
        "running",
        "step",
    )
    scan_id = scan["scanId"]

    # nor touch that scan through a job it did claim (another project's)
    progress = {"name": "bandit", "status": "running"}
    for path, body in [
        ("progress", progress),
        ("lease", {}),
        ("finish", {"runs": [scanner_run(finding())]}),
        ("fail", {"error": "stopped"}),
    ]:
        response = await other.call(
            "POST", f"/jobs/{their_job}/scans/{scan_id}/{path}", json={**them, **body}
        )
        assert response.status_code == 404 and "not found among the scans of job" in response.text, (
            path,
            response.text,
        )
    # the right token under a runner name that does not hold the job
    impostor = await mine.call(
        "POST", f"/jobs/{job}/scans/{scan_id}/progress", json={"runner": "celery@x:9", **progress}
    )
    assert impostor.status_code == 409

    # bad input: 422 with the reason, nothing recorded
    for bad, reason in [
        (scanner_run(finding(severity="urgent")), "severity"),
        (scanner_run(finding(fingerprint="AKIAIOSFODNN7EXAMPLE")), "fingerprint"),
        (scanner_run(finding(scanner="bandit")), "findings of another scanner"),
        (scanner_run(finding(title="")), "title"),
    ]:
        response = await mine.call("POST", f"/jobs/{job}/scans/{scan_id}/finish", json={**me, "runs": [bad]})
        assert response.status_code == 422 and reason in response.text, response.text
    twice = {**me, "runs": [scanner_run(), scanner_run()]}
    assert (await mine.call("POST", f"/jobs/{job}/scans/{scan_id}/finish", json=twice)).status_code == 422

    assert (
        await mine.call("POST", f"/jobs/{job}/scans/{scan_id}/progress", json={**me, **progress})
    ).status_code == 204
    assert (await mine.call("POST", f"/jobs/{job}/scans/{scan_id}/lease", json=me)).status_code == 204
    body = {
        **me,
        "runs": [scanner_run(finding()), {**progress, "status": "skipped", "error": "not installed"}],
    }
    first = await mine.call("POST", f"/jobs/{job}/scans/{scan_id}/finish", json=body)
    assert first.status_code == 200, first.text
    result = first.json()
    assert result["scan"]["status"] == "completed" and result["scan"]["summary"]["critical"] == 1
    [violation] = result["violations"]  # the default policy fails on high and above
    assert violation["ruleId"] == "secret/aws-access-key" and violation["projectId"] == ours["projectId"]
    # a finish sent again (its answer lost) records nothing twice
    again = await mine.call("POST", f"/jobs/{job}/scans/{scan_id}/finish", json=body)
    assert again.json() == result
    vulns = await celery_api.request("GET", f"/projects/{ours['projectId']}/vulnerabilities", 200)
    assert [v["vulnerabilityId"] for v in vulns] == [violation["vulnerabilityId"]]
    assert await celery_api.request("GET", f"/projects/{theirs['projectId']}/scans", 200) == []
    ended = await mine.call("POST", f"/jobs/{job}/scans/{scan_id}/progress", json={**me, **progress})
    assert ended.status_code == 409 and "has ended" in ended.text

    # advisories from the server's database, for the job's worker only
    query = {"packages": [{"ecosystem": "PyPI", "name": "Requests"}]}
    records = (await mine.call("POST", f"/jobs/{job}/advisories", json={**me, **query})).json()["records"]
    assert records and all(
        any(a["package"]["name"].lower() == "requests" for a in r["affected"]) for r in records
    )
    assert (await other.call("POST", f"/jobs/{job}/advisories", json={**them, **query})).status_code == 404
    cargo = {"packages": [{"ecosystem": "crates.io", "name": "serde"}]}
    assert (await mine.call("POST", f"/jobs/{job}/advisories", json={**me, **cargo})).status_code == 422

    # diagrams: on the claimed job's project only, a graph that holds together
    assert (await other.call("GET", f"/jobs/{job}/architecture/settings", params=them)).status_code == 404
    assert (await mine.call("GET", f"/jobs/{job}/architecture/settings", params=me)).json()["depth"] == 2
    dangling = {**GRAPH, "edges": [{"from": "app.core", "to": "elsewhere", "imports": 1}]}
    response = await mine.call(
        "POST", f"/jobs/{job}/architecture", json={**me, "graph": dangling, "depth": 2}
    )
    assert response.status_code == 422 and "components the graph does not list" in response.text
    refused = await other.call("POST", f"/jobs/{job}/architecture", json={**them, "graph": GRAPH, "depth": 2})
    assert refused.status_code == 404
    stored = await mine.call("POST", f"/jobs/{job}/architecture", json={**me, "graph": GRAPH, "depth": 2})
    assert stored.status_code == 201, stored.text
    diagram = stored.json()
    assert diagram["projectId"] == ours["projectId"] and diagram["trigger"] == "step"
    assert diagram["summary"]["breaches"] == 1 and "c_app_core -.->|1| c_app_api" in diagram["mermaid"]
    assert (
        await celery_api.request("GET", f"/projects/{theirs['projectId']}/architecture/diagrams", 200) == []
    )
