"""``uses: conveyor/security-scan`` and ``uses: conveyor/architecture`` on real Celery workers,
which hold no database credentials: the scanners and the analysis run on the worker, the scan and
the diagram are recorded on the server through the worker API, as the local runner records them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conveyor.security.osv import AdvisoryIndex
from conveyor.security.scanners import run_scanners
from conveyor.security.scanners.base import ScanContext
from tests.integration.runners.conftest import Worker, ready
from tests.support.architecture import TREE
from tests.support.pipelines import PipelineApi, completed, job_of, make_repo
from tests.support.security import vulnerable_repo
from tests.support.server import RunningServer

SCAN = """
jobs:
  audit:
    steps:
      - uses: conveyor/security-scan
      - run: echo after
"""


async def test_the_security_scan_step_on_a_worker_fails_by_policy_and_records_the_findings(
    celery_server: RunningServer,
    celery_api: PipelineApi,
    workers: Callable[[str, int], Worker],
    tmp_path: Path,
) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    await ready(workers("scanner", 1))
    project_id = await celery_api.project("shop", repo)
    pipeline = await celery_api.pipeline(project_id, SCAN)
    listener = await celery_server.authenticated_socket(celery_api.token)
    execution_id = await celery_api.start(pipeline["id"], ref="main")
    execution = (await completed(listener, execution_id, timeout=180))["data"]["execution"]
    audit = job_of(execution, "audit")
    lines = await celery_api.log_text(execution_id, "audit")
    [scan] = await celery_api.request("GET", f"/projects/{project_id}/scans", 200)
    vulns = await celery_api.request("GET", f"/projects/{project_id}/vulnerabilities", 200)

    assert audit["runner"].startswith("celery@"), audit
    assert execution["status"] == "failed" and audit["steps"][0]["status"] == "failed", lines
    assert "break the project's security policy" in audit["steps"][0]["error"]
    assert audit["steps"][1]["status"] == "skipped"
    assert scan["trigger"] == "step" and scan["jobId"] == audit["id"] and scan["ref"] == "main"
    assert scan["status"] == "completed" and len(scan["policyViolations"]) >= 5
    assert {s["name"]: s["status"] for s in scan["scanners"]}["bandit"] == "completed"
    assert any("policy: [critical] secret/aws-access-key settings.py:3" in line for line in lines)
    assert any("policy: [high] B602 app.py:11" in line for line in lines)
    assert not any("AKIAIOSFODNN7EXAMPLE" in line for line in lines)
    assert {v["lastSeenScanId"] for v in vulns} == {scan["scanId"]}
    assert set(scan["policyViolations"]) <= {v["vulnerabilityId"] for v in vulns}
    # advisories came from the server: the pinned requests==2.30.0 matches the shipped database
    assert any(v["kind"] == "dependency" and v["package"] == "requests" for v in vulns)

    # the same events as on the local runner, for this project's members
    names = [
        name
        for name, e in listener.received
        if e.get("data", {}).get("scan", {}).get("scanId") == scan["scanId"]
    ]
    assert names[0] == "security_scan_started" and names[-1] == "security_scan_completed"
    assert names.count("security_scan_updated") >= 2 * len(scan["scanners"]) - 1
    detected = [e for name, e in listener.received if name == "security_vulnerability_detected"]
    assert {e["data"]["vulnerabilityId"] for e in detected} == {v["vulnerabilityId"] for v in vulns}
    notes = [e for name, e in listener.received if name == "user_notification"]
    serious = [e for e in notes if "new critical/high" in e["data"]["notification"]["title"]]
    assert len(serious) == 1 and serious[0]["priority"] == "HIGH"

    # nothing lost on the way: every finding the scanners report here was recorded by the worker
    async def shipped(keys: set[tuple[str, str]]) -> AdvisoryIndex:
        return AdvisoryIndex.load()

    runs = await run_scanners(ScanContext(root=repo, timeout=300, advisories=shipped))
    here = {
        (f.rule_id, f.file, f.line, f.package)
        for run in runs
        if run.status == "completed"
        for f in run.findings
    }
    recorded = {(v["ruleId"], v["file"], v["line"], v["package"]) for v in vulns}
    assert here and here <= recorded, here - recorded


async def test_the_architecture_step_on_a_worker_records_a_diagram(
    celery_server: RunningServer,
    celery_api: PipelineApi,
    workers: Callable[[str, int], Worker],
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo", TREE)
    await ready(workers("mapper", 1))
    project = await celery_api.project("mapped", repo)
    settings = {"depth": 3, "layers": [["app.api"], ["app.core"]], "auto": False}
    await celery_api.request("PUT", f"/projects/{project}/architecture/settings", 200, json=settings)
    definition = "jobs:\n  map:\n    steps: [{uses: conveyor/architecture, with: {depth: '2'}}]\n"
    pipeline = await celery_api.pipeline(project, definition)
    listener = await celery_server.authenticated_socket(celery_api.token)
    execution = (await completed(listener, await celery_api.start(pipeline["id"]), timeout=120))["data"]
    assert execution["execution"]["status"] == "success", await celery_api.log_text(
        execution["executionId"], "map"
    )
    assert job_of(execution["execution"], "map")["runner"].startswith("celery@")
    [diagram] = await celery_api.request("GET", f"/projects/{project}/architecture/diagrams", 200)
    # the project's layering rule (from the server) applied on the worker, at the step's depth
    assert diagram["trigger"] == "step" and diagram["depth"] == 2 and diagram["summary"]["breaches"] == 1
    assert diagram["summary"]["skipped"] == 1 and diagram["commitSha"] is not None
    [update] = [e for name, e in listener.received if name == "architecture_diagram_update"]
    assert update["data"]["diagramId"] == diagram["diagramId"]
    assert "app.api" in update["data"]["diagram"]["changes"]["componentsAdded"]
    mermaid = await celery_api.request(
        "GET", f"/architecture/diagrams/{diagram['diagramId']}", 200, params={"format": "mermaid"}
    )
    assert mermaid.text.startswith("graph LR") and "c_app_api" in mermaid.text
    logs = await celery_api.log_text(execution["executionId"], "map")
    assert any(f"conveyor/architecture: diagram {diagram['diagramId']}" in line for line in logs)
