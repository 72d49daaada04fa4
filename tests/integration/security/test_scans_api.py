"""Scans through the REST API, on SQLite and PostgreSQL: a real clone, the real scanners,
vulnerabilities tracked by fingerprint across scans, triage, exports, events and notifications."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema

from tests.support.pipelines import commit
from tests.support.security import SARIF_SCHEMA, vulnerable_repo
from tests.support.server import RunningServer
from tests.support.sockets import Listener, event_names

SCAN_TIMEOUT = 90.0


async def _project(client: httpx.AsyncClient, repo: Path | None, name: str = "shop") -> str:
    body = {"name": name, "repoUrl": str(repo) if repo else None, "defaultBranch": "main"}
    response = await client.post("/api/v1/projects", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _scan(
    client: httpx.AsyncClient, listener: Listener, project_id: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(f"/api/v1/projects/{project_id}/scans", json=body)
    assert response.status_code == 202, response.text
    scan_id = response.json()["scanId"]
    await listener.events_until(
        "security_scan_completed", lambda e: e["data"]["scanId"] == scan_id, SCAN_TIMEOUT
    )
    scan: dict[str, Any] = (await client.get(f"/api/v1/scans/{scan_id}")).json()
    return scan


async def _vulnerabilities(client: httpx.AsyncClient, project_id: str, **query: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/projects/{project_id}/vulnerabilities", params=query)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


async def test_a_scan_reports_every_kind_with_events_notifications_and_exports(
    server: RunningServer, tmp_path: Path
) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    token = await server.admin_token()
    listener = await server.authenticated_socket(token)
    async with server.api(token) as client:
        project_id = await _project(client, repo)
        start = len(listener.received)
        scan = await _scan(client, listener, project_id)
        received = listener.received[start:]
        vulns = await _vulnerabilities(client, project_id)
        sarif = await client.get(f"/api/v1/scans/{scan['scanId']}/sarif")
        report = (await client.get(f"/api/v1/scans/{scan['scanId']}/json")).json()
        critical = await _vulnerabilities(client, project_id, severity="critical", status="open")
        components = (await client.get("/api/v1/system/status")).json()["components"]
    assert scan["status"] == "completed" and scan["ref"] == "main" and scan["trigger"] == "api"
    scanners = {s["name"]: s for s in scan["scanners"]}
    assert scanners["bandit"]["status"] == scanners["detect-secrets"]["status"] == "completed"
    assert scanners["dependencies"]["findings"] >= 5 and scanners["semgrep"]["status"] in (
        "skipped",
        "completed",
    )
    assert scan["summary"]["critical"] >= 1 and scan["summary"]["high"] >= 3
    assert scan["policyViolations"]  # the default policy fails on high and above
    by_rule = {v["ruleId"]: v for v in vulns}
    assert (by_rule["B602"]["file"], by_rule["B602"]["line"], by_rule["B602"]["kind"]) == (
        "app.py",
        11,
        "code",
    )
    assert by_rule["B602"]["cwe"] == "CWE-78"
    requests = by_rule["PYSEC-2023-74"]
    assert (requests["package"], requests["version"], requests["fixedVersion"]) == (
        "requests",
        "2.30.0",
        "2.31.0",
    )
    assert (requests["cve"], requests["ghsa"]) == ("CVE-2023-32681", "GHSA-j8r2-6x86-q33q")
    assert by_rule["secret/aws-access-key"]["severity"] == "critical"
    assert {v["ruleId"] for v in critical} >= {"secret/aws-access-key", "secret/github-token"}
    assert all(v["status"] == "open" and v["firstSeenScanId"] == scan["scanId"] for v in vulns)
    assert "AKIAIOSFODNN7EXAMPLE" not in json.dumps([vulns, received, report])
    names = event_names(received)
    assert names.count("security_vulnerability_detected") == len(vulns)
    assert names.index("security_scan_started") < names.index("security_scan_updated")
    updates = [e["data"]["scan"]["scanners"] for n, e in received if n == "security_scan_updated"]
    assert any(any(s["status"] == "running" for s in u) for u in updates)
    detected = {
        e["data"]["vulnerability"]["ruleId"]: e for n, e in received if n == "security_vulnerability_detected"
    }
    assert detected["secret/aws-access-key"]["priority"] == "HIGH" and detected["B404"]["priority"] == "LOW"
    completed = next(e for n, e in received if n == "security_scan_completed")
    assert completed["priority"] == "HIGH"
    notes = [e["data"]["notification"] for n, e in received if n == "user_notification"]
    notes = [note for note in notes if note["kind"] == "security"]  # not the admins' system alert
    assert len(notes) == 1 and "new critical/high" in notes[0]["title"] and notes[0]["priority"] == "HIGH"
    assert sarif.status_code == 200
    jsonschema.validate(sarif.json(), json.loads(SARIF_SCHEMA.read_text()))
    assert {r["ruleId"] for run in sarif.json()["runs"] for r in run["results"]} == set(by_rule)
    assert report["scanId"] == scan["scanId"] and len(report["findings"]) == len(vulns)
    advisories = next(c for c in components if c["name"] == "advisory database")
    assert advisories["status"] == "degraded" and "days old" in advisories["detail"]  # the 2024 snapshot


async def test_same_finding_moved_stays_one_vulnerability_fixed_then_reopened(
    server: RunningServer, tmp_path: Path
) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    token = await server.admin_token()
    listener = await server.authenticated_socket(token)
    app = (repo / "app.py").read_text()
    async with server.api(token) as client:
        project_id = await _project(client, repo)
        first = await _scan(client, listener, project_id)
        before = {v["ruleId"]: v for v in await _vulnerabilities(client, project_id)}
        moved = "\n\n# moved down\n" + app.replace(
            "    return eval(expression)\n", "    return int(expression)\n"
        )
        commit(repo, {"app.py": moved}, "move code, drop eval")
        start = len(listener.received)
        second = await _scan(client, listener, project_id)
        after = {v["ruleId"]: v for v in await _vulnerabilities(client, project_id)}
        fixed_events = [e for n, e in listener.received[start:] if n == "security_vulnerability_updated"]
        commit(repo, {"app.py": app}, "bring eval back")
        await _scan(client, listener, project_id)
        again = {v["ruleId"]: v for v in await _vulnerabilities(client, project_id)}
    b602 = after["B602"]
    assert b602["vulnerabilityId"] == before["B602"]["vulnerabilityId"]
    assert (b602["line"], b602["firstSeenScanId"], b602["lastSeenScanId"]) == (
        14,
        first["scanId"],
        second["scanId"],
    )
    assert after["B307"]["status"] == "fixed"
    assert [e["data"]["vulnerability"]["ruleId"] for e in fixed_events] == ["B307"]
    assert (
        again["B307"]["status"] == "open"
        and again["B307"]["vulnerabilityId"] == before["B307"]["vulnerabilityId"]
    )
    assert len(again) == len(before)


async def test_triage_policy_and_who_may_do_what(server: RunningServer, tmp_path: Path) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    admin = await server.admin_token()
    viewer_id, viewer = await server.create_user("vera")
    _, stranger = await server.create_user("sam")
    listener = await server.authenticated_socket(admin)
    async with server.api(admin) as client:
        project_id = await _project(client, repo)
        await client.put(f"/api/v1/projects/{project_id}/members/{viewer_id}", json={"role": "viewer"})
        policy = {
            "failOn": "critical",
            "newOnly": False,
            "autoScan": False,
            "allow": [{"rule": "GHSA-j8r2-6x86-q33q", "reason": "proxy not used", "expires": "2999-01-01"}],
        }
        put = await client.put(f"/api/v1/projects/{project_id}/security/policy", json=policy)
        scan = await _scan(client, listener, project_id)
        vulns = {v["ruleId"]: v for v in await _vulnerabilities(client, project_id)}
        aws = vulns["secret/aws-access-key"]
        patched = await client.patch(
            f"/api/v1/vulnerabilities/{aws['vulnerabilityId']}",
            json={"status": "false_positive", "reason": "AWS's documented example key"},
        )
        triage = await listener.events_until("user_activity", lambda e: True)
        bad = await client.patch(
            f"/api/v1/vulnerabilities/{aws['vulnerabilityId']}", json={"status": "fixed"}
        )
        no_reason = await client.patch(
            f"/api/v1/vulnerabilities/{aws['vulnerabilityId']}", json={"status": "ignored"}
        )
        rescan = await _scan(client, listener, project_id)
        ignored = await _vulnerabilities(client, project_id, status="false_positive")
    async with server.api(viewer) as client:
        seen = await client.get(f"/api/v1/scans/{scan['scanId']}")
        refused = await client.patch(
            f"/api/v1/vulnerabilities/{aws['vulnerabilityId']}", json={"status": "ignored", "reason": "x"}
        )
        no_scan = await client.post(f"/api/v1/projects/{project_id}/scans", json={})
    async with server.api(stranger) as client:
        hidden = await client.get(f"/api/v1/scans/{scan['scanId']}")
        hidden_list = await client.get(f"/api/v1/projects/{project_id}/vulnerabilities")
    assert put.status_code == 200 and put.json()["allow"][0]["rule"] == "GHSA-j8r2-6x86-q33q"
    critical_ids = {v["vulnerabilityId"] for v in vulns.values() if v["severity"] == "critical"}
    assert set(scan["policyViolations"]) == critical_ids  # high and below pass with failOn critical
    assert patched.status_code == 200 and patched.json()["status"] == "false_positive"
    assert patched.json()["reason"] == "AWS's documented example key"
    assert "security_vulnerability_updated" in event_names(triage)
    triaged = triage[-1][1]["data"]["activity"]
    assert (triaged["kind"], triaged["projectId"], triaged["vulnerabilityId"]) == (
        "security_vulnerability_triaged",
        project_id,
        aws["vulnerabilityId"],
    )
    assert bad.status_code == 422
    assert no_reason.status_code == 422 and "needs a reason" in no_reason.text
    assert aws["vulnerabilityId"] not in rescan["policyViolations"] and rescan["policyViolations"]
    assert [v["vulnerabilityId"] for v in ignored] == [aws["vulnerabilityId"]]
    assert seen.status_code == 200 and refused.status_code == 403 and no_scan.status_code == 403
    assert hidden.status_code == hidden_list.status_code == 404


async def test_a_missing_ref_or_repository_gives_a_reason(server: RunningServer, tmp_path: Path) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    token = await server.admin_token()
    listener = await server.authenticated_socket(token)
    async with server.api(token) as client:
        project_id = await _project(client, repo)
        scan = await _scan(client, listener, project_id, ref="no-such-branch")
        bare = await _project(client, None, name="bare")
        refused = await client.post(f"/api/v1/projects/{bare}/scans", json={})
        bad_body = await client.post(f"/api/v1/projects/{project_id}/scans", json={"ref": ""})
        missing = await client.get("/api/v1/scans/nope")
    assert scan["status"] == "failed" and "no-such-branch" in scan["error"] and "not found" in scan["error"]
    assert refused.status_code == 422 and "no repository" in refused.json()["detail"]
    assert bad_body.status_code == 422 and missing.status_code == 404


async def test_critical_vulnerabilities_hold_one_system_alert_until_each_is_triaged(
    server: RunningServer, tmp_path: Path
) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    token = await server.admin_token()
    listener = await server.authenticated_socket(token)
    admin_inbox = await server.authenticated_socket(token)
    async with server.api(token) as client:
        project_id = await _project(client, repo)
        await _scan(client, listener, project_id)
        await _scan(client, listener, project_id)  # the same findings: no second alert
        critical = await _vulnerabilities(client, project_id, severity="critical", status="open")
        alerts = (await client.get("/api/v1/system/alerts")).json()
        for v in critical[:-1]:
            await client.patch(
                f"/api/v1/vulnerabilities/{v['vulnerabilityId']}",
                json={"status": "ignored", "reason": "test fixture"},
            )
        still = (await client.get("/api/v1/system/alerts", params={"status": "open"})).json()
        start = len(listener.received)
        await client.patch(
            f"/api/v1/vulnerabilities/{critical[-1]['vulnerabilityId']}",
            json={"status": "false_positive", "reason": "test fixture"},
        )
        resolved = await listener.events_until(
            "system_alert", lambda e: e["data"]["alert"]["status"] == "resolved", 10
        )
        after = (await client.get("/api/v1/system/alerts", params={"status": "open"})).json()
    ours = [a for a in alerts if a["cause"] == f"critical_vulnerability:{project_id}"]
    assert len(critical) >= 2 and len(ours) == 1, alerts
    assert ours[0]["severity"] == "critical" and ours[0]["status"] == "open"
    assert f"{len(critical)} open critical vulnerabilities" in ours[0]["message"]
    assert all(v["ruleId"] in ours[0]["message"] for v in critical)
    [left] = [a for a in still if a["alertId"] == ours[0]["alertId"]]
    assert "1 open critical vulnerability" in left["message"], "the message follows the triage"
    assert resolved[-1][1]["data"]["alertId"] == ours[0]["alertId"]
    assert not [a for a in after if a["alertId"] == ours[0]["alertId"]]
    raised = [
        e
        for n, e in listener.received[:start]
        if n == "system_alert" and e["data"]["alert"]["cause"] == ours[0]["cause"]
    ]
    assert [e["data"]["alertId"] for e in raised] == [ours[0]["alertId"]], "raised once, updated quietly"
    _, note = await admin_inbox.next(
        lambda item: (
            item[0] == "user_notification" and item[1]["data"]["notification"]["kind"] == "system_alert"
        ),
        15,
    )
    assert note["data"]["notification"]["title"].startswith("Alert: Critical vulnerability in shop")
