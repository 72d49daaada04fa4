"""semgrep, when installed (in its own environment: ``scripts/bootstrap --dev`` puts it in
``.venv-semgrep/``), with the rules kept in the package: JavaScript and Python findings with their
CWE, offline, under the scanners' memory cap. Required under CI."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from conveyor.security.scanners.base import ScanContext
from conveyor.security.scanners.semgrep import SemgrepScanner
from tests.support.security import SEMGREP_TOOLS, vulnerable_repo


@pytest.fixture(autouse=True)
def semgrep_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    if (SEMGREP_TOOLS / "semgrep").is_file():
        monkeypatch.setenv("PATH", f"{SEMGREP_TOOLS}{os.pathsep}{os.environ['PATH']}")
    reason = SemgrepScanner().unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: scripts/bootstrap --dev installs it in .venv-semgrep/")
        pytest.skip(reason)


def test_semgrep_finds_javascript_and_python_problems(tmp_path: Path) -> None:
    repo = vulnerable_repo(tmp_path / "repo")
    findings = asyncio.run(SemgrepScanner().scan(ScanContext(root=repo, timeout=300)))
    got = {(f.rule_id, f.file, f.line, f.cwe) for f in findings}
    assert ("semgrep/js-eval", "web/app.js", 9, "CWE-95") in got
    assert ("semgrep/js-child-process-exec", "web/app.js", 10, "CWE-78") in got
    assert ("semgrep/js-inner-html", "web/app.js", 5, "CWE-79") in got
    assert ("semgrep/py-os-system", "app.py", 10, "CWE-78") in got
