"""SARIF 2.1.0: one run per scanner, one result per finding (GitHub code scanning reads it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conveyor.security.scanners.base import Finding

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
_SCORE = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0", "info": "0.0"}
_URI = {
    "bandit": "https://bandit.readthedocs.io/",
    "detect-secrets": "https://github.com/Yelp/detect-secrets",
    "dependencies": "https://osv.dev/",
    "semgrep": "https://semgrep.dev/",
}


def to_sarif(runs: Sequence[tuple[str, Sequence[Finding]]]) -> dict[str, Any]:
    """The SARIF log of (scanner name, its findings) pairs."""
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [_run(name, list(findings)) for name, findings in runs],
    }


def _run(name: str, findings: list[Finding]) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    for f in findings:
        rules.setdefault(f.rule_id, _rule(f))
    order = list(rules)
    return {
        "tool": {
            "driver": {
                "name": name,
                "informationUri": _URI.get(name, "https://osv.dev/"),
                "rules": list(rules.values()),
            }
        },
        "results": [_result(f, order.index(f.rule_id)) for f in findings],
    }


def _rule(f: Finding) -> dict[str, Any]:
    tags = ["security", f.kind] + ([f.cwe] if f.cwe else [])
    return {
        "id": f.rule_id,
        "shortDescription": {"text": f.title[:1000]},
        "help": {"text": f.remediation},
        "properties": {"tags": tags, "security-severity": _SCORE[f.severity]},
    }


def _result(f: Finding, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": _LEVEL[f.severity],
        "message": {"text": f"{f.title}. {f.remediation}"},
        "partialFingerprints": {"conveyor/v1": f.fingerprint},
        "properties": {"severity": f.severity, "kind": f.kind},
    }
    if f.file:
        location: dict[str, Any] = {"artifactLocation": {"uri": f.file}}
        if f.line:
            location["region"] = {"startLine": max(f.line, 1)}
        result["locations"] = [{"physicalLocation": location}]
    if f.package:
        result["properties"].update(package=f.package, version=f.version, fixedVersion=f.fixed_version)
    return result
