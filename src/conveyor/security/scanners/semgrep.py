"""Code in Python and JavaScript/TypeScript: semgrep with the rules kept in this package
(``rules/semgrep.yml``), only when semgrep is installed: in an environment of its own (its pins,
e.g. structlog and OpenTelemetry, conflict with Conveyor's), on the ``PATH`` or beside Conveyor's
Python (docs/security.md)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from conveyor.security.scanners.base import (
    MAX_FINDINGS,
    TOOL_MEMORY_BYTES,
    Finding,
    ScanContext,
    ScannerError,
    fingerprint,
    run_tool,
)
from conveyor.security.schemas import Severity

RULES = Path(__file__).resolve().parent.parent / "rules" / "semgrep.yml"
_SEVERITY: dict[str, Severity] = {"ERROR": "high", "WARNING": "medium", "INFO": "low"}


class SemgrepScanner:
    name = "semgrep"

    def unavailable(self) -> str | None:
        return None if _program() else "semgrep is not installed (optional: `pipx install semgrep`)"

    async def scan(self, context: ScanContext) -> list[Finding]:
        args = [
            _program() or "semgrep",
            "scan",
            "--config",
            str(RULES),
            "--json",
            "--metrics=off",
            "--disable-version-check",
            "--quiet",
            ".",
        ]
        output = await run_tool(
            args, cwd=context.root, limit=context.timeout, ok_codes=(0, 1), memory=TOOL_MEMORY_BYTES
        )
        try:
            results = json.loads(output)["results"]
        except (ValueError, KeyError) as exc:
            raise ScannerError(f"unreadable report ({type(exc).__name__})") from exc
        findings = []
        for item in results[:MAX_FINDINGS]:
            extra = item.get("extra", {})
            rule = str(item["check_id"]).rsplit(".", 1)[-1]
            cwe = (extra.get("metadata") or {}).get("cwe")
            findings.append(
                Finding(
                    scanner="semgrep",
                    kind="code",
                    rule_id=f"semgrep/{rule}",
                    title=str(extra.get("message", rule)).strip(),
                    severity=_SEVERITY.get(str(extra.get("severity")), "medium"),
                    fingerprint=fingerprint(
                        "code", rule, item["path"], " ".join(str(extra.get("lines", "")).split())
                    ),
                    remediation=str((extra.get("metadata") or {}).get("fix", "Rewrite the flagged code.")),
                    file=str(item["path"]).removeprefix("./"),
                    line=int(item["start"]["line"]),
                    cwe=str(cwe[0] if isinstance(cwe, list) else cwe).split(":")[0] if cwe else None,
                )
            )
        return findings


def _program() -> str | None:
    """semgrep next to this Python (an installed extra) or on the PATH."""
    beside = Path(sys.executable).parent / "semgrep"
    return str(beside) if beside.is_file() else shutil.which("semgrep")
