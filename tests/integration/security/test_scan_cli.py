"""``conveyor scan PATH``: a Rich table, SARIF valid against the published schema, the exit code
the policy gives; a scanner that fails or times out is reported while the others still report."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from conveyor.cli import app
from conveyor.security.cli import scan_tree
from conveyor.security.osv import AdvisoryIndex
from conveyor.security.scanners import SCANNERS, run_scanners
from conveyor.security.scanners.base import ScanContext
from tests.support.security import SARIF_SCHEMA, SEMGREP_TOOLS, vulnerable_repo


def test_scan_writes_valid_sarif_and_fails_on_the_policy(tmp_path: Path) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    sarif, report = tmp_path / "out.sarif", tmp_path / "out.json"
    result = CliRunner().invoke(app, ["scan", str(repo), "--sarif", str(sarif), "--json", str(report)])
    assert result.exit_code == 1, result.output
    assert "policy failed" in result.output and "B602" in result.output
    log = json.loads(sarif.read_text())
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    results = {r["ruleId"]: r for run in log["runs"] for r in run["results"]}
    assert results["B602"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 11
    assert results["secret/aws-access-key"]["level"] == "error"
    data = json.loads(report.read_text())
    assert data["summary"]["critical"] >= 1 and data["policyViolations"]


def test_allowing_and_raising_the_threshold_passes(tmp_path: Path) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    result = CliRunner().invoke(app, ["scan", str(repo), "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    bad = CliRunner().invoke(app, ["scan", str(repo), "--fail-on", "severe"])
    assert bad.exit_code == 2 and "severe" in bad.output


def test_a_malformed_lock_file_fails_only_the_dependency_scanner(tmp_path: Path) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    (repo / "poetry.lock").write_text("[[package]\nbroken")
    runs = {r.name: r for r in asyncio.run(scan_tree(repo, AdvisoryIndex.load()))}
    assert runs["dependencies"].status == "failed"
    assert runs["dependencies"].error is not None and "poetry.lock: malformed" in runs["dependencies"].error
    assert runs["bandit"].status == "completed" and runs["bandit"].findings


def test_a_scanner_that_times_out_is_failed_with_the_reason(tmp_path: Path) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    seen: list[tuple[str, str]] = []

    async def progress(run) -> None:  # type: ignore[no-untyped-def]
        seen.append((run.name, run.status))

    context = ScanContext(root=repo, timeout=0.01)
    runs = {r.name: r for r in asyncio.run(run_scanners(context, SCANNERS[:2], on_progress=progress))}
    assert runs["bandit"].status == "failed" and runs["bandit"].error == "timed out after 0.01 s"
    assert ("bandit", "running") in seen and ("bandit", "failed") in seen


def test_the_scan_needs_no_network(tmp_path: Path) -> None:
    """Every scanner (semgrep too, when installed) completes in a network namespace of its own,
    with no interface but loopback: nothing is fetched at scan time."""
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "--net", "true"], check=False).returncode != 0:
        pytest.skip("cannot make a network namespace here (unshare --net needs root)")
    repo = vulnerable_repo(tmp_path / "repo")
    report = tmp_path / "out.json"
    env = {**os.environ, "PATH": f"{SEMGREP_TOOLS}{os.pathsep}{os.environ['PATH']}"}
    conveyor = str(Path(sys.executable).with_name("conveyor"))
    done = subprocess.run(
        [unshare, "--net", conveyor, "scan", str(repo), "--json", str(report)],
        env=env,
        capture_output=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:]
    scanners = {s["name"]: s for s in json.loads(report.read_text())["scanners"]}
    ran = [s for s in scanners.values() if s["status"] != "skipped"]
    assert {"bandit", "detect-secrets", "dependencies"} <= {s["name"] for s in ran}
    assert all(s["status"] == "completed" and s["findings"] > 0 for s in ran), scanners
