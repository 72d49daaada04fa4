"""``conveyor scan PATH``: the security scan of a checkout, locally and without a server."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from conveyor.security.osv import SHIPPED, AdvisoryError, AdvisoryIndex
from conveyor.security.policy import violations
from conveyor.security.sarif import to_sarif
from conveyor.security.scanners import ScannerRun, run_scanners
from conveyor.security.scanners.base import Finding, ScanContext
from conveyor.security.schemas import SEVERITIES, AllowEntry, Policy, Severity

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def scan_command(
    path: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="The checkout to scan.")],
    sarif: Annotated[
        Path | None, typer.Option(help="Write the findings as SARIF 2.1.0 to this file.")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the report as JSON to this file.")
    ] = None,
    fail_on: Annotated[
        str, typer.Option(help="Exit 1 on findings at or above: critical|high|medium|low|info|never.")
    ] = "high",
    allow: Annotated[
        list[str] | None, typer.Option(help="A rule id, advisory id or CVE/GHSA to accept.")
    ] = None,
    advisories: Annotated[
        Path | None, typer.Option(help="OSV advisories (folder or zip) instead of the shipped ones.")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds each scanner may take.")] = 600.0,
) -> None:
    """Scan a checkout for vulnerable code, secrets and vulnerable dependencies (offline)."""
    if fail_on not in (*SEVERITIES, "never"):
        raise typer.BadParameter(
            f"{fail_on!r} is not one of {', '.join(SEVERITIES)}, never", param_hint="--fail-on"
        )
    policy = Policy(
        fail_on=None if fail_on == "never" else fail_on,
        allow=[AllowEntry(rule=r, reason="--allow") for r in allow or ()],
    )
    try:
        index = AdvisoryIndex.load(advisories or SHIPPED)
    except AdvisoryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    runs = asyncio.run(scan_tree(path.resolve(), index, limit=timeout))
    findings = [f for run in runs for f in run.findings]
    broken = violations(findings, policy, today=datetime.now(UTC).date())
    _print(runs, findings, broken)
    if sarif:
        sarif.write_text(
            json.dumps(to_sarif([(r.name, r.findings) for r in runs if r.status != "skipped"]), indent=2)
        )
    if json_out:
        json_out.write_text(json.dumps(report(runs, broken), indent=2))
    if broken or any(r.status == "failed" for r in runs):
        raise typer.Exit(1)


async def scan_tree(root: Path, index: AdvisoryIndex, *, limit: float = 600.0) -> list[ScannerRun]:
    async def lookup(_: set[tuple[str, str]]) -> AdvisoryIndex:
        return index

    return await run_scanners(ScanContext(root=root, timeout=limit, advisories=lookup))


def summary(findings: list[Finding]) -> dict[Severity, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts


def report(runs: list[ScannerRun], broken: list[Finding]) -> dict[str, Any]:
    findings = [f for r in runs for f in r.findings]
    return {
        "scanners": [
            {
                "name": r.name,
                "status": r.status,
                "findings": len(r.findings),
                "seconds": r.seconds,
                "error": r.error,
            }
            for r in runs
        ],
        "summary": summary(findings),
        "findings": [f.wire() for f in findings],
        "policyViolations": [f.fingerprint for f in broken],
    }


def _print(runs: list[ScannerRun], findings: list[Finding], broken: list[Finding]) -> None:
    console = Console()
    scanners = Table(title="Scanners")
    for column in ("scanner", "status", "findings", "seconds", "note"):
        scanners.add_column(column)
    for r in runs:
        scanners.add_row(r.name, r.status, str(len(r.findings)), f"{r.seconds:.1f}", escape(r.error or ""))
    console.print(scanners)
    table = Table(title=f"{len(findings)} findings")
    for column in ("severity", "kind", "rule", "where", "what", "fix"):
        table.add_column(column, overflow="fold")
    order = {s: i for i, s in enumerate(SEVERITIES)}
    for f in sorted(findings, key=lambda f: (order[f.severity], f.file or "", f.line or 0)):
        where = f"{f.file}:{f.line}" if f.line else (f.file or "")
        fix = f"-> {f.fixed_version}" if f.fixed_version else ""
        table.add_row(
            f"[{_STYLE[f.severity]}]{f.severity}[/]",
            f.kind,
            f.rule_id,
            escape(where),
            escape(f.title[:120]),
            fix,
        )
    console.print(table)
    if broken:
        console.print(f"[bold red]policy failed:[/] {len(broken)} finding(s) at or above the threshold")


advisories_app = typer.Typer(help="The advisory database (OSV) that dependency scans match against.")


@advisories_app.command("import")
def advisories_import(
    path: Annotated[Path, typer.Argument(exists=True, help="A folder or zip of OSV JSON/YAML advisories.")],
) -> None:
    """Add or update advisories (a newer `modified` replaces an older one); a malformed file refuses all."""
    from conveyor.config import Settings
    from conveyor.db import Database
    from conveyor.security import advisories

    async def run() -> tuple[int, int]:
        records = await asyncio.to_thread(advisories.read_folder, path)
        db = Database(Settings().resolved_database_url)
        try:
            await db.migrate()
            await advisories.ensure_loaded(db)
            async with db.write_session() as session:
                counts = await advisories.import_records(session, records, source=path.name)
                await session.commit()
            return counts
        finally:
            await db.dispose()

    try:
        added, updated = asyncio.run(run())
    except AdvisoryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{added} added, {updated} updated from {path}")


@advisories_app.command("status")
def advisories_status() -> None:
    """How many advisories the database holds, from where, and how recent they are."""
    from conveyor.config import Settings
    from conveyor.db import Database
    from conveyor.security import advisories

    async def run() -> dict[str, Any]:
        db = Database(Settings().resolved_database_url)
        try:
            await db.migrate()
            await advisories.ensure_loaded(db)
            async with db.session() as session:
                return (await advisories.status(session)).wire()
        finally:
            await db.dispose()

    typer.echo(json.dumps(asyncio.run(run()), indent=2))
