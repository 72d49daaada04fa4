"""The pipeline step ``uses: conveyor/security-scan``: scans the job's workspace, records the scan
on the project like any other, and fails the job when the project's policy says so.

Inputs (``with:``): ``path`` (a folder of the workspace, default the whole checkout),
``timeout`` (seconds per scanner, default 600).
"""

from __future__ import annotations

from pathlib import Path

from conveyor.pipelines.builtins import BuiltinContext, BuiltinJob, BuiltinOutcome, register
from conveyor.security import advisories, service
from conveyor.security.osv import AdvisoryIndex
from conveyor.security.scanners import ScannerRun, run_scanners
from conveyor.security.scanners.base import ScanContext
from conveyor.security.schemas import ScanRead

NAME = "conveyor/security-scan"
LEASE_SECONDS = 60.0


@register(NAME)
async def security_scan_step(context: BuiltinContext) -> BuiltinOutcome:
    root = (context.workspace / context.inputs.get("path", ".")).resolve()
    if not root.is_dir() or not root.is_relative_to(context.workspace.resolve()):
        return BuiltinOutcome(
            "failed", f"{NAME}: path {context.inputs.get('path')!r} is not a folder of the workspace"
        )
    try:
        limit = float(context.inputs.get("timeout", "600"))
    except ValueError:
        return BuiltinOutcome("failed", f"{NAME}: timeout must be a number of seconds")
    if context.job is None:
        return BuiltinOutcome("failed", f"{NAME}: this runner cannot record scans")
    scan = await _scan(context.job, root, limit, context)
    return _outcome(scan, context)


async def _scan(job: BuiltinJob, root: Path, limit: float, context: BuiltinContext) -> ScanRead:
    async with job.db.write_session() as session:
        project = await service.get_project(session, job.project_id)
        created = await service.create_scan(
            session=session,
            bus=job.bus,
            project=project,
            trigger="step",
            ref=job.ref,
            commit_sha=job.commit_sha,
            job_id=job.job_id,
            lease_seconds=LEASE_SECONDS,
        )
    scan_id = created.id
    context.log(
        f"{NAME}: scan {scan_id} of {root.name if root != context.workspace.resolve() else 'the workspace'}"
    )
    await service.mark_running(job.db, job.bus, scan_id, lease_seconds=LEASE_SECONDS)

    async def lookup(keys: set[tuple[str, str]]) -> AdvisoryIndex:
        return await advisories.lookup(job.db, keys)

    async def progress(run: ScannerRun) -> None:
        if run.status != "running":
            note = f" ({run.error})" if run.error else ""
            context.log(
                f"{NAME}: {run.name} {run.status}, {len(run.findings)} finding(s), {run.seconds:.1f} s{note}"
            )
        await service.scanner_progress(job.db, job.bus, scan_id, run)

    try:
        runs = await run_scanners(
            ScanContext(root=root, timeout=limit, advisories=lookup), on_progress=progress
        )
        finished = await service.finish_scan(job.db, job.bus, scan_id, runs)
    except BaseException:
        await service.fail_scan(job.db, job.bus, scan_id, "interrupted: the job stopped during the scan")
        raise
    async with job.db.session() as session:
        for v in await service.violations_of(session, finished):
            where = f"{v.file}:{v.line}" if v.line else (v.file or v.package or "")
            context.log(f"{NAME}: policy: [{v.severity}] {v.rule_id} {where}: {v.title}")
    return service.scan_read(finished)


def _outcome(scan: ScanRead, context: BuiltinContext) -> BuiltinOutcome:
    counts = ", ".join(f"{n} {s}" for s, n in scan.summary.model_dump().items() if n)
    context.log(f"{NAME}: {scan.status}: {counts or 'no findings'}")
    if scan.status == "failed":
        return BuiltinOutcome("failed", f"{NAME}: the scan failed: {scan.error}")
    if scan.policy_violations:
        return BuiltinOutcome(
            "failed", f"{NAME}: {len(scan.policy_violations)} finding(s) break the project's security policy"
        )
    return BuiltinOutcome("success")
