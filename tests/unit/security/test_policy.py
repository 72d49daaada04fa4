from __future__ import annotations

from datetime import date

from conveyor.security.models import Vulnerability
from conveyor.security.policy import violations
from conveyor.security.scanners.base import Finding
from conveyor.security.schemas import AllowEntry, Policy, PolicyRead
from conveyor.security.service import _violations

TODAY = date(2026, 12, 1)


def _finding(rule: str, severity: str, cve: str | None = None) -> Finding:
    return Finding(
        scanner="s",
        kind="code",
        rule_id=rule,
        title=rule,
        severity=severity,  # type: ignore[arg-type]
        fingerprint=f"fp-{rule}",
        remediation="r",
        cve=cve,
    )


def test_threshold_and_allow_list_with_expiry() -> None:
    findings = [
        _finding("B602", "high"),
        _finding("B301", "medium"),
        _finding("ADV-1", "critical", cve="CVE-1"),
    ]
    policy = Policy(
        fail_on="high",
        allow=[
            AllowEntry(rule="CVE-1", reason="not reachable", expires=date(2026, 12, 31)),
            AllowEntry(rule="B602", reason="expired", expires=date(2026, 11, 30)),
        ],
    )
    assert [f.rule_id for f in violations(findings, policy, today=TODAY)] == ["B602"]
    assert violations(findings, Policy(fail_on=None), today=TODAY) == []
    assert len(violations(findings, Policy(fail_on="medium"), today=TODAY)) == 3


def test_accepted_vulnerabilities_and_new_only() -> None:
    findings = [_finding("B602", "high"), _finding("B605", "high"), _finding("B324", "high")]
    known = {
        "fp-B602": Vulnerability(id="old", status="open"),
        "fp-B605": Vulnerability(id="accepted", status="false_positive"),
        "fp-B324": Vulnerability(id="new", status="open"),
    }
    assert _violations(findings, known, {"new"}, PolicyRead(fail_on="high")) == ["old", "new"]
    assert _violations(findings, known, {"new"}, PolicyRead(fail_on="high", new_only=True)) == ["new"]
