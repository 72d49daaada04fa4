"""Dependencies: every manifest and lock file of the tree against the OSV advisories."""

from __future__ import annotations

import asyncio
from typing import Any

from conveyor.security.lockfiles import Dependency, ManifestError, find_manifests, read_manifest
from conveyor.security.osv import Advisory, AdvisoryIndex, Affected
from conveyor.security.scanners.base import MAX_FINDINGS, Finding, ScanContext, ScannerError, fingerprint
from conveyor.security.versions import Interval, normalize_name, parse_version, requirement_interval


class DependencyScanner:
    name = "dependencies"

    def unavailable(self) -> str | None:
        return None

    async def scan(self, context: ScanContext) -> list[Finding]:
        dependencies = await asyncio.wait_for(asyncio.to_thread(collect, context), context.timeout)
        if context.advisories is None:
            raise ScannerError("no advisory database")
        keys = {(d.ecosystem, normalize_name(d.ecosystem, d.name)) for d in dependencies}
        index = await context.advisories(keys)
        return match(dependencies, index)[:MAX_FINDINGS]


def collect(context: ScanContext) -> list[Dependency]:
    found: list[Dependency] = []
    for path in find_manifests(context.root):
        try:
            found.extend(read_manifest(path, context.root))
        except ManifestError as exc:
            raise ScannerError(str(exc)) from exc
    return found


def match(dependencies: list[Dependency], index: AdvisoryIndex) -> list[Finding]:
    findings: list[Finding] = []
    for dep in dependencies:
        candidates = index.for_package(dep.ecosystem, dep.name)
        if not candidates:
            continue
        interval = _interval(dep)
        if interval is None:
            continue
        safe: list[Any] = []  # computed once per dependency, when it has a finding
        for advisory, affected in candidates:
            if affected.overlaps(interval):
                if not safe:
                    safe.append(smallest_safe(candidates, interval))
                findings.append(_finding(dep, advisory, affected, safe[0], interval))
    return findings


def _interval(dep: Dependency) -> Interval | None:
    try:
        if dep.version is not None:
            return Interval.point(parse_version(dep.ecosystem, dep.version))
        return requirement_interval(dep.specifier or "")
    except ValueError:
        return None  # a version its ecosystem cannot order (a git ref, a local path): not checkable


def _finding(
    dep: Dependency,
    advisory: Advisory,
    affected: Affected,
    safe: Any,
    interval: Interval,
) -> Finding:
    fixed = _first_fixed_above(affected, interval)
    if safe is not None:
        advice = f"Upgrade {dep.name} to {safe} or later (the smallest version no known advisory affects)."
    elif fixed is not None:
        advice = f"Upgrade {dep.name} to {fixed} or later; later advisories also affect it."
    else:
        advice = f"No fixed version of {dep.name} is known: replace it or accept the risk."
    return Finding(
        scanner="dependencies",
        kind="dependency",
        rule_id=advisory.id,
        title=f"{dep.name} {dep.shown_version}: {advisory.summary}",
        severity=advisory.severity,
        fingerprint=fingerprint("dependency", advisory.id, normalize_name(dep.ecosystem, dep.name), dep.file),
        remediation=advice,
        file=dep.file,
        line=dep.line,
        cve=advisory.cve,
        ghsa=advisory.ghsa,
        aliases=advisory.aliases,
        package=dep.name,
        version=dep.shown_version,
        fixed_version=str(fixed) if fixed is not None else None,
    )


def _first_fixed_above(affected: Affected, interval: Interval) -> Any:
    above = [v for v in affected.fixed if interval.low is None or interval.low <= v]
    return min(above, default=None)


def smallest_safe(candidates: list[tuple[Advisory, Affected]], interval: Interval) -> Any:
    """The smallest fixed version at or above the dependency's lowest that no advisory affects."""
    fixes = sorted({v for _, a in candidates for v in a.fixed if interval.low is None or interval.low <= v})
    return next((v for v in fixes if not any(a.affects(v) for _, a in candidates)), None)
