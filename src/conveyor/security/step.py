"""The pipeline step ``uses: conveyor/security-scan``: scans the job's workspace where the job
runs, records the scan on the project like any other (through ``recorder.py``: in-process on a
server node, through the worker API on a remote worker), and fails the job when the project's
policy says so.

Inputs (``with:``): ``path`` (a folder of the workspace, default the whole checkout),
``timeout`` (seconds per scanner, default 600).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from conveyor.aio import Periodic
from conveyor.pipelines.builtins import BuiltinContext, BuiltinOutcome, WorkerApiError, register
from conveyor.security import recorder as recording
from conveyor.security.recorder import ScanRecorder, scan_recorder
from conveyor.security.scanners import ScannerRun, run_scanners
from conveyor.security.scanners.base import ScanContext
from conveyor.security.schemas import StepScanResult

NAME = "conveyor/security-scan"


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
    try:
        result = await _scan(scan_recorder(context.job), root, limit, context)
    except WorkerApiError as exc:
        return BuiltinOutcome("failed", f"{NAME}: the server did not record the scan: {exc}")
    return _outcome(result, context)


async def _scan(recorder: ScanRecorder, root: Path, limit: float, context: BuiltinContext) -> StepScanResult:
    scan_id = await recorder.start()
    where = root.name if root != context.workspace.resolve() else "the workspace"
    context.log(f"{NAME}: scan {scan_id} of {where}")

    async def progress(run: ScannerRun) -> None:
        if run.status != "running":
            note = f" ({run.error})" if run.error else ""
            context.log(
                f"{NAME}: {run.name} {run.status}, {len(run.findings)} finding(s), {run.seconds:.1f} s{note}"
            )
        await recorder.progress(scan_id, run)

    try:
        async with _leased(recorder, scan_id):
            runs = await run_scanners(
                ScanContext(root=root, timeout=limit, advisories=recorder.advisories), on_progress=progress
            )
        result = await recorder.finish(scan_id, runs)
    except BaseException:
        with contextlib.suppress(Exception):
            await recorder.fail(scan_id, "interrupted: the job stopped during the scan")
        raise
    for v in result.violations:
        where = f"{v.file}:{v.line}" if v.line else (v.file or v.package or "")
        context.log(f"{NAME}: policy: [{v.severity}] {v.rule_id} {where}: {v.title}")
    return result


@contextlib.asynccontextmanager
async def _leased(recorder: ScanRecorder, scan_id: str) -> AsyncIterator[None]:
    """The scan's lease renewed while the scanners run (a scan longer than its lease is not
    taken for abandoned)."""
    every = recording.LEASE_SECONDS / 3
    renewal = Periodic(
        f"scan-lease-{scan_id}", lambda: recorder.extend(scan_id), interval=every, first_delay=every
    )
    renewal.start()
    try:
        yield
    finally:
        await renewal.stop()


def _outcome(result: StepScanResult, context: BuiltinContext) -> BuiltinOutcome:
    scan = result.scan
    counts = ", ".join(f"{n} {s}" for s, n in scan.summary.model_dump().items() if n)
    context.log(f"{NAME}: {scan.status}: {counts or 'no findings'}")
    if scan.status == "failed":
        return BuiltinOutcome("failed", f"{NAME}: the scan failed: {scan.error}")
    if scan.policy_violations:
        return BuiltinOutcome(
            "failed", f"{NAME}: {len(scan.policy_violations)} finding(s) break the project's security policy"
        )
    return BuiltinOutcome("success")
