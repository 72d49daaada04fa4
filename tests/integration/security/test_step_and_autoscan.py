"""``uses: conveyor/security-scan`` scans the job's checkout and fails the job on the policy; with
``autoScan`` every execution of the default branch is scanned. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from conveyor.security import advisories, recorder
from conveyor.security.scanners.base import Finding, ScanContext
from conveyor.security.scanners.dependencies import DependencyScanner
from tests.support.pipelines import PipelineApi, completed, job_of
from tests.support.security import vulnerable_repo
from tests.support.server import RunningServer

STEP = """
jobs:
  audit:
    steps:
      - uses: conveyor/security-scan
      - run: echo after
"""


async def test_the_step_fails_the_job_on_the_policy_and_records_the_scan(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    listener = await server.authenticated_socket(api.token)
    project_id = await api.project("shop", repo)
    pipeline = await api.pipeline(project_id, STEP)
    execution_id = await api.start(pipeline["id"], ref="main")
    await completed(listener, execution_id, timeout=120)
    execution = await api.execution(execution_id)
    step = job_of(execution, "audit")["steps"][0]
    lines = await api.log_text(execution_id, "audit")
    scans = await api.request("GET", f"/projects/{project_id}/scans", 200)
    vulns = await api.request("GET", f"/projects/{project_id}/vulnerabilities", 200)
    assert execution["status"] == "failed" and step["status"] == "failed"
    assert "break the project's security policy" in step["error"]
    (scan,) = scans
    assert scan["trigger"] == "step" and scan["jobId"] == job_of(execution, "audit")["id"]
    assert scan["status"] == "completed" and len(scan["policyViolations"]) >= 5
    assert any("policy: [critical] secret/aws-access-key settings.py:3" in line for line in lines)
    assert any("policy: [high] B602 app.py:11" in line for line in lines)
    assert not any("AKIAIOSFODNN7EXAMPLE" in line for line in lines)
    assert {v["lastSeenScanId"] for v in vulns} == {scan["scanId"]}


async def test_a_policy_that_never_fails_lets_the_job_pass(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    listener = await server.authenticated_socket(api.token)
    project_id = await api.project("shop", repo)
    await api.request("PUT", f"/projects/{project_id}/security/policy", 200, json={"failOn": None})
    pipeline = await api.pipeline(project_id, STEP)
    execution_id = await api.start(pipeline["id"])
    await completed(listener, execution_id, timeout=120)
    execution = await api.execution(execution_id)
    assert execution["status"] == "success"
    assert await api.log_text(execution_id, "audit") != []


async def test_auto_scan_follows_every_default_branch_execution(
    server_with: Callable[..., AbstractAsyncContextManager[RunningServer]], tmp_path: Path
) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    async with server_with(scan_lease_seconds=0.6) as server:
        api = PipelineApi(server, await server.admin_token())
        listener = await server.authenticated_socket(api.token)
        project_id = await api.project("shop", repo)
        pipeline = await api.pipeline(project_id, "jobs:\n  build:\n    steps:\n      - run: echo build\n")
        before = await api.start(pipeline["id"])  # autoScan is still off: not scanned
        await completed(listener, before)
        await api.request("PUT", f"/projects/{project_id}/security/policy", 200, json={"autoScan": True})
        feature = await api.start(pipeline["id"], ref="feature")  # not the default branch
        execution_id = await api.start(pipeline["id"], ref="main")
        await listener.events_until(
            "security_scan_completed", lambda e: e["data"]["scan"]["executionId"] == execution_id, 60
        )
        scans = await api.request("GET", f"/projects/{project_id}/scans", 200)
    triggered = [(s["trigger"], s["executionId"], s["status"]) for s in scans]
    assert triggered == [("auto", execution_id, "completed")]
    assert feature != execution_id and scans[0]["ref"] == "main" and scans[0]["summary"]["critical"] >= 1


async def test_a_step_scan_longer_than_its_lease_is_not_taken_for_abandoned(
    server_with: Callable[..., AbstractAsyncContextManager[RunningServer]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The step renews its scan's lease while the scanners run: with a 0.6 s lease, checked for
    abandoned scans every 0.2 s, a scan that outlasts it three times still completes."""
    monkeypatch.setattr(recorder, "LEASE_SECONDS", 0.6)
    scan_dependencies = DependencyScanner.scan

    async def slower_than_the_lease(self: DependencyScanner, context: ScanContext) -> list[Finding]:
        # A quiet machine scans the fixture in about 0.5 s: this scanner stands for a big repository.
        findings = await scan_dependencies(self, context)
        await asyncio.sleep(3 * 0.6)
        return findings

    monkeypatch.setattr(DependencyScanner, "scan", slower_than_the_lease)
    repo = vulnerable_repo(tmp_path / "repo")
    async with server_with(scan_lease_seconds=0.6) as server:
        await advisories.ensure_loaded(server.container.db)  # a long write of its own, not under test
        api = PipelineApi(server, await server.admin_token())
        listener = await server.authenticated_socket(api.token)
        project_id = await api.project("slow", repo)
        await api.request("PUT", f"/projects/{project_id}/security/policy", 200, json={"failOn": None})
        pipeline = await api.pipeline(project_id, STEP)
        execution_id = await api.start(pipeline["id"])
        await completed(listener, execution_id, timeout=120)
        [scan] = await api.request("GET", f"/projects/{project_id}/scans", 200)
        execution = await api.execution(execution_id)
    assert scan["status"] == "completed", scan["error"]
    assert (scan["finishedAt"] > scan["startedAt"]) and execution["status"] == "success"
    seconds = max(s["seconds"] for s in scan["scanners"])
    assert seconds > 0.6, f"the scan ({seconds} s) must outlast its lease for this test to mean anything"
