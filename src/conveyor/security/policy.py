"""A project's policy: fail on new findings at or above a severity, except the allowed ones."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from conveyor.security.scanners.base import Finding
from conveyor.security.schemas import AllowEntry, Policy, severity_rank


def allowed(finding: Finding, policy: Policy, today: date) -> AllowEntry | None:
    return next(
        (e for e in policy.allow if finding.matches(e.rule) and (e.expires is None or today <= e.expires)),
        None,
    )


def violations(
    findings: Iterable[Finding],
    policy: Policy,
    *,
    today: date,
    is_new: Callable[[Finding], bool] = lambda f: True,
) -> list[Finding]:
    """The findings that break the policy: new, at or above its severity, not allowed."""
    if policy.fail_on is None:
        return []
    limit = severity_rank(policy.fail_on)
    return [
        f
        for f in findings
        if severity_rank(f.severity) <= limit and is_new(f) and allowed(f, policy, today) is None
    ]
