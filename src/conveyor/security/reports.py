"""A stored scan's exports: SARIF 2.1.0 and JSON."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.security.models import Scan
from conveyor.security.sarif import to_sarif
from conveyor.security.service import scan_findings, scan_read


async def sarif(session: AsyncSession, scan: Scan) -> dict[str, Any]:
    findings = await scan_findings(session, scan)
    by_scanner = {name: list(group) for name, group in groupby(findings, key=lambda f: f.scanner)}
    names = [s["name"] for s in scan.scanners or () if s.get("status") != "skipped"] or list(by_scanner)
    return to_sarif([(name, by_scanner.get(name, [])) for name in names])


async def report(session: AsyncSession, scan: Scan) -> dict[str, Any]:
    findings = await scan_findings(session, scan)
    return {**scan_read(scan).wire(), "findings": [f.wire() for f in findings]}
