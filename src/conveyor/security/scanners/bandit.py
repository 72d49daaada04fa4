"""Python code: bandit, run as ``python -m bandit -r . -f json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conveyor.security.scanners.base import (
    MAX_FINDINGS,
    TOOL_MEMORY_BYTES,
    Finding,
    ScanContext,
    ScannerError,
    fingerprint,
    module_missing,
    python_tool,
    run_tool,
)
from conveyor.security.schemas import Severity

# bandit's own defaults plus the dependency folders a checkout may hold.
EXCLUDED = ".svn,CVS,.bzr,.hg,.git,__pycache__,.tox,.eggs,*.egg,./node_modules,./.venv,./venv"
_SEVERITY: dict[str, Severity] = {"HIGH": "high", "MEDIUM": "medium", "LOW": "low"}


class BanditScanner:
    name = "bandit"

    def unavailable(self) -> str | None:
        return module_missing("bandit")

    async def scan(self, context: ScanContext) -> list[Finding]:
        args = [*python_tool("bandit"), "-r", ".", "-f", "json", "-q", "-x", EXCLUDED]
        # bandit exits 1 when it found something.
        output = await run_tool(
            args, cwd=context.root, limit=context.timeout, ok_codes=(0, 1), memory=TOOL_MEMORY_BYTES
        )
        try:
            results = json.loads(output)["results"]
        except (ValueError, KeyError) as exc:
            raise ScannerError(f"unreadable report ({type(exc).__name__})") from exc
        return to_findings(results[:MAX_FINDINGS], context.root)


def to_findings(results: list[dict[str, Any]], root: Path) -> list[Finding]:
    findings: list[Finding] = []
    seen: dict[tuple[str, str, str], int] = {}
    for item in results:
        file = str(item["filename"]).removeprefix("./")
        line = int(item["line_number"])
        text = _source_line(root / file, line)
        key = (item["test_id"], file, text)
        seen[key] = seen.get(key, 0) + 1
        cwe = (item.get("issue_cwe") or {}).get("id")
        findings.append(
            Finding(
                scanner="bandit",
                kind="code",
                rule_id=item["test_id"],
                title=f"{item['issue_text']} ({item['test_name']})",
                severity=_SEVERITY.get(item.get("issue_severity", ""), "low"),
                # The line's text, not its number: moving the code keeps the finding.
                fingerprint=fingerprint("code", *key, seen[key]),
                remediation=f"See {item.get('more_info') or 'the bandit documentation'}",
                file=file,
                line=line,
                cwe=f"CWE-{cwe}" if cwe else None,
            )
        )
    return findings


def _source_line(path: Path, line: int) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, 1):
                if number == line:
                    return " ".join(text.split())
    except OSError:
        pass
    return ""
