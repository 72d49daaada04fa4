"""Nothing lost against the tools themselves: Conveyor reports every finding bandit and
detect-secrets report when run directly, and every advisory the shipped database implies."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conveyor.security.cli import scan_tree
from conveyor.security.osv import SHIPPED, AdvisoryIndex
from conveyor.security.scanners import ScannerRun
from tests.support.security import vulnerable_repo

PINS = {"requests": "2.30.0", "aiohttp": "3.9.1"}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return vulnerable_repo(tmp_path_factory.mktemp("parity") / "repo")


@pytest.fixture(scope="module")
def runs(repo: Path) -> dict[str, ScannerRun]:
    import asyncio

    return {r.name: r for r in asyncio.run(scan_tree(repo, AdvisoryIndex.load()))}


def _direct(repo: Path, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", *args], cwd=repo, capture_output=True, text=True, timeout=120
    )
    return json.loads(result.stdout)


def test_every_bandit_finding(repo: Path, runs: dict[str, ScannerRun]) -> None:
    direct = {
        (r["filename"].removeprefix("./"), r["line_number"], r["test_id"])
        for r in _direct(repo, "bandit", "-r", ".", "-f", "json", "-q")["results"]
    }
    ours = {(f.file, f.line, f.rule_id) for f in runs["bandit"].findings}
    assert {"B605", "B602", "B301", "B324", "B307"} <= {rule for _, _, rule in direct}
    assert direct <= ours


def test_every_detect_secrets_finding_and_none_holds_the_secret(
    repo: Path, runs: dict[str, ScannerRun]
) -> None:
    results = _direct(repo, "detect_secrets", "scan", "--all-files")["results"]
    direct = {
        (item["filename"], item["line_number"], item["type"]) for items in results.values() for item in items
    }
    ours = {(f.file, f.line, f.title.split(" added in commit")[0]) for f in runs["detect-secrets"].findings}
    assert ("settings.py", 3, "AWS Access Key") in direct
    assert direct <= ours
    shown = json.dumps([vars(f) for f in runs["detect-secrets"].findings])
    assert "AKIAIOSFODNN7EXAMPLE" not in shown and "a1B2c3D4e5F6g7H8" not in shown


def test_a_secret_removed_from_the_tree_is_found_in_the_history(runs: dict[str, ScannerRun]) -> None:
    (token,) = [f for f in runs["detect-secrets"].findings if f.rule_id == "secret/github-token"]
    assert token.file == "deploy.py" and token.title.startswith("GitHub Token added in commit ")
    assert (token.line, token.severity) == (1, "critical")


def _implied_advisories() -> set[tuple[str, str]]:
    """From the advisories' own explicit version lists: an oracle independent of our range logic."""
    expected = set()
    with zipfile.ZipFile(SHIPPED) as archive:
        for name in archive.namelist():
            record = json.loads(archive.read(name))
            for affected in record.get("affected", []):
                package = affected["package"]["name"].lower()
                if PINS.get(package) in affected.get("versions", []):
                    expected.add((package, record["id"]))
    return expected


def test_every_advisory_the_database_implies_for_the_pins(runs: dict[str, ScannerRun]) -> None:
    ours = {(f.package, f.rule_id) for f in runs["dependencies"].findings if f.package in PINS}
    expected = _implied_advisories()
    assert ("requests", "PYSEC-2023-74") in expected and ("aiohttp", "PYSEC-2024-24") in expected
    assert expected <= ours
    requests = next(f for f in runs["dependencies"].findings if f.rule_id == "PYSEC-2023-74")
    assert (requests.cve, requests.ghsa, requests.fixed_version) == (
        "CVE-2023-32681",
        "GHSA-j8r2-6x86-q33q",
        "2.31.0",
    )
    assert (requests.file, requests.line) == ("requirements.txt", 2)


def test_a_range_requirement_is_reported(runs: dict[str, ScannerRun]) -> None:
    jinja = {f.rule_id for f in runs["dependencies"].findings if f.package == "jinja2"}
    assert "PYSEC-2019-217" in jinja  # fixed in 2.10.1, which the range >=2.10,<2.10.1 excludes
