"""The Security page in a real browser: start a scan, watch each scanner's progress and the
findings arrive live (a new critical one stands out), filter them, mark one a false positive with
a reason, and download the scan as SARIF."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.e2e.test_dashboard import Browser, browser, database_url, sign_in
from tests.support.pipelines import PipelineApi
from tests.support.security import SARIF_SCHEMA, vulnerable_repo
from tests.support.server import RunningServer

pytestmark = pytest.mark.browser
__all__ = ["browser", "database_url"]  # fixtures shared with test_dashboard.py

SCAN_MS = 90_000
VULNS = 'table[aria-label="vulnerabilities"]'


async def test_start_a_scan_from_the_page_and_watch_findings_arrive(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    api = PipelineApi(server, await server.admin_token())
    project_id = await api.project("shop", vulnerable_repo(tmp_path / "repo"))
    await sign_in(browser, server, f"/security?project={project_id}")
    await browser.see("p.empty", "No scans of this project yet")

    await browser.call("click", selector="button", text="Scan now")
    await browser.see('table[aria-label="scans"] li[data-scanner="bandit"]')
    await browser.see('li[data-scanner="bandit"][data-status="completed"]', timeout=SCAN_MS)
    await browser.see('[data-testid="new-critical"]', "New critical finding", timeout=SCAN_MS)
    await browser.see('li[data-scanner="dependencies"][data-status="completed"]', timeout=SCAN_MS)
    await browser.see(f'{VULNS} tr[data-rule="B602"]', "app.py:11", timeout=SCAN_MS)
    await browser.see(f'{VULNS} tr[data-rule="PYSEC-2023-74"]', "fixed in 2.31.0")
    await browser.see('table[aria-label="scans"] td', "completed", timeout=SCAN_MS)
    await browser.see('span[data-severity="critical"]')

    await browser.call("select", selector='select[aria-label="severity"]', value="critical")
    await browser.see(f'{VULNS} tr[data-rule="secret/aws-access-key"]')
    assert await browser.call("count", selector=f'{VULNS} tr[data-rule="B602"]') == 0
    await browser.call("select", selector='select[aria-label="kind"]', value="secret")
    assert await browser.call("count", selector=f"{VULNS} tbody tr") == 2  # the AWS key and the old token

    aws = f'{VULNS} tr[data-rule="secret/aws-access-key"]'
    await browser.call(
        "fill", selector=f"{aws} input[aria-label=reason]", value="AWS's documented example key"
    )
    await browser.call("click", selector=f"{aws} button", text="False positive")
    await browser.call("select", selector='select[aria-label="status"]', value="false_positive")
    await browser.see(aws, "AWS's documented example key")
    vulns = await api.request(
        "GET", f"/projects/{project_id}/vulnerabilities", 200, params={"status": "false_positive"}
    )
    assert [v["ruleId"] for v in vulns] == ["secret/aws-access-key"]

    sarif = await browser.call("download", selector='table[aria-label="scans"] button', text="SARIF")
    assert sarif["name"].endswith(".sarif")
    jsonschema.validate(json.loads(sarif["text"]), json.loads(SARIF_SCHEMA.read_text()))
    assert await browser.call("consoleErrors") == []
