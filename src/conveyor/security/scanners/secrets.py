"""Secrets: detect-secrets over the whole tree and over what the last commits added.

A finding holds the secret's type, file, line and detect-secrets' hash of it, never the secret.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
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

EXCLUDED_FILES = r"(^|/)(\.git|node_modules|\.venv|venv)/"
MAX_HISTORY_BYTES = 16 * 1024 * 1024
MAX_HISTORY_LINE = 100_000
# Keys that open something by themselves; the rest (keywords, entropy) are often noise.
_CRITICAL = (
    "AWS",
    "Private Key",
    "GitHub",
    "GitLab",
    "Slack",
    "Stripe",
    "Twilio",
    "SendGrid",
    "OpenAI",
    "Azure",
    "Discord",
    "Mailchimp",
    "NPM",
    "PyPI",
    "Square",
    "Telegram",
    "IBM",
    "Cloudant",
)
_MEDIUM = ("High Entropy String", "Secret Keyword", "Basic Auth")
_HUNK = re.compile(r"^@@ -\S+ \+(\d+)(?:,\d+)? @@")


class SecretsScanner:
    name = "detect-secrets"

    def unavailable(self) -> str | None:
        return module_missing("detect_secrets")

    async def scan(self, context: ScanContext) -> list[Finding]:
        tree = await _detect(context.root, context.timeout)
        findings = [_finding(item, item["filename"], None) for item in tree]
        if context.history_commits > 0 and (context.root / ".git").exists():
            known = {(f.rule_id, f.fingerprint) for f in findings}
            for finding in await _history(context):
                if (finding.rule_id, finding.fingerprint) not in known:
                    known.add((finding.rule_id, finding.fingerprint))
                    findings.append(finding)
        return findings[:MAX_FINDINGS]


async def _detect(root: Path, limit: float) -> list[dict[str, Any]]:
    args = [*python_tool("detect_secrets"), "scan", "--all-files", "--exclude-files", EXCLUDED_FILES]
    output = await run_tool(args, cwd=root, limit=limit, memory=TOOL_MEMORY_BYTES)
    try:
        results = json.loads(output)["results"]
        return [item for items in results.values() for item in items]
    except (ValueError, KeyError, AttributeError) as exc:
        raise ScannerError(f"unreadable report ({type(exc).__name__})") from exc


def _finding(item: dict[str, Any], file: str, commit: str | None) -> Finding:
    kind = str(item["type"])
    where = f" added in commit {commit[:12]}" if commit else ""
    return Finding(
        scanner="detect-secrets",
        kind="secret",
        rule_id="secret/" + re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-"),
        title=f"{kind}{where}",
        severity=_severity(kind),
        # The secret's hash and file, not its line: the same key moved stays the same finding.
        fingerprint=fingerprint("secret", kind, file, item["hashed_secret"]),
        remediation="Revoke and rotate this secret, remove it from the repository (and its history), "
        "and load it from the project's secrets instead.",
        file=file,
        line=int(item["line_number"]),
        cwe="CWE-798",
    )


def _severity(kind: str) -> Severity:
    if any(word in kind for word in _MEDIUM):
        return "medium"
    return "critical" if any(word in kind for word in _CRITICAL) else "high"


async def _history(context: ScanContext) -> list[Finding]:
    """Secrets the last commits added, even when a later commit removed them from the tree."""
    log = await run_tool(
        [
            "git",
            "-c",
            "core.quotepath=off",
            "log",
            f"-n{context.history_commits}",
            "-p",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "--no-renames",
            "--format=commit %H",
        ],
        cwd=context.root,
        limit=context.timeout,
    )
    with tempfile.TemporaryDirectory(prefix="conveyor-history-") as scratch:
        places = await asyncio.to_thread(_write_added_lines, log, Path(scratch), context.root)
        if not places:
            return []  # every added line is still in the tree, which was scanned already
        found = await _detect(Path(scratch), context.timeout)
    findings = []
    for item in found:
        commit, _, file = str(item["filename"]).partition("/")
        findings.append(_finding(item, file, places.get(commit, commit)))
    return findings


def _write_added_lines(log: bytes, scratch: Path, root: Path) -> dict[str, str]:
    """Each commit's added lines at their line numbers in ``scratch/<sha12>/<path>``, but for
    lines the file in the tree still has word for word (the tree's scan covers those); the
    commits written, by their short form."""
    files: dict[tuple[str, str], dict[int, str]] = {}
    commits: dict[str, str] = {}
    commit = path = ""
    number = 0
    for raw in log[:MAX_HISTORY_BYTES].decode(errors="replace").splitlines():
        if raw.startswith("commit "):
            commit = raw[7:].strip()
            commits[commit[:12]] = commit
        elif raw.startswith("+++ "):
            path = raw[6:] if raw.startswith("+++ b/") else ""
        elif (hunk := _HUNK.match(raw)) is not None:
            number = int(hunk.group(1))
        elif raw.startswith("+") and path and commit and number < MAX_HISTORY_LINE:
            files.setdefault((commit[:12], path), {})[number] = raw[1:]
            number += 1
    current: dict[str, set[str]] = {}
    written: dict[str, str] = {}
    for (short, file), lines in files.items():
        if file not in current:
            current[file] = _lines_of(root / file)
        lines = {n: text for n, text in lines.items() if text not in current[file]}
        if not lines:
            continue
        target = (scratch / short / file).resolve()
        if not target.is_relative_to(scratch.resolve()):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines.get(n, "") for n in range(1, max(lines) + 1)) + "\n")
        written[short] = commits[short]
    return written


def _lines_of(path: Path) -> set[str]:
    try:
        return (
            set(path.read_text(encoding="utf-8", errors="replace").splitlines()) if path.is_file() else set()
        )
    except OSError:
        return set()
