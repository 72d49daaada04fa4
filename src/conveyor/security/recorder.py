"""How ``uses: conveyor/security-scan`` records its scan: the scanners run where the job runs
(a server node or a remote worker), and the scan is recorded on the server by the same functions
either way, so its events, vulnerabilities, notifications and policy verdict do not depend on the
runner.

``ScanRecorder`` is what the step calls. ``DirectScans`` (a server node's runner) calls the
functions below in-process; ``ApiScans`` (a remote worker, which holds no database credentials)
calls the worker API, whose routes (``workers/``) call the same functions for the job the worker
claimed. Advisories come from the server's database in both cases (see docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from conveyor.db import Database, get_or_404, utcnow
from conveyor.errors import Conflict, NotFound
from conveyor.events.bus import EventBus
from conveyor.pipelines.builtins import BuiltinJob, InProcess, WorkerApi
from conveyor.security import advisories, service
from conveyor.security.models import Scan
from conveyor.security.osv import AdvisoryIndex
from conveyor.security.scanners import ScannerRun
from conveyor.security.scanners.base import Finding
from conveyor.security.schemas import (
    AdvisoryQuery,
    AdvisoryRecords,
    FindingWire,
    PackageKey,
    ScannerProgress,
    ScannerRead,
    ScannerResult,
    ScanRead,
    StepScanFail,
    StepScanFinish,
    StepScanResult,
)

LEASE_SECONDS = 60.0  # the step renews it every third of this while its scanners run


class ScanRecorder(Protocol):
    async def start(self) -> str:
        """A running scan of the step's job (``security_scan_started``): its id."""

    async def advisories(self, keys: set[tuple[str, str]]) -> AdvisoryIndex: ...

    async def progress(self, scan_id: str, run: ScannerRun) -> None: ...

    async def extend(self, scan_id: str) -> None:
        """The step is still scanning: the scan is not abandoned."""

    async def finish(self, scan_id: str, runs: list[ScannerRun]) -> StepScanResult: ...

    async def fail(self, scan_id: str, error: str) -> None: ...


def scan_recorder(job: BuiltinJob) -> ScanRecorder:
    if isinstance(job.server, InProcess):
        return DirectScans(job, job.server.db, job.server.bus)
    return ApiScans(job.server)


# --- on the server: a step's scan, only through the job that runs it ------------------------


async def start_step_scan(
    db: Database, bus: EventBus, *, project_id: str, job_id: str, ref: str | None, commit_sha: str | None
) -> Scan:
    async with db.write_session() as session:
        project = await service.get_project(session, project_id)
        created = await service.create_scan(
            session=session,
            bus=bus,
            project=project,
            trigger="step",
            ref=ref,
            commit_sha=commit_sha,
            job_id=job_id,
            lease_seconds=LEASE_SECONDS,
        )
    return await service.mark_running(db, bus, created.id, lease_seconds=LEASE_SECONDS)


async def step_scan(db: Database, job_id: str, scan_id: str) -> Scan:
    """The scan of this job's step (404 for any other scan, another job's included)."""
    async with db.session() as session:
        scan = await session.get(Scan, scan_id)
    if scan is None or scan.trigger != "step" or scan.job_id != job_id:
        raise NotFound(f"scan {scan_id} not found among the scans of job {job_id}")
    return scan


async def step_progress(
    db: Database, bus: EventBus, job_id: str, scan_id: str, progress: ScannerRead
) -> None:
    await _running(db, job_id, scan_id)
    await service.scanner_progress(db, bus, scan_id, progress)


async def extend_step_scan(db: Database, job_id: str, scan_id: str) -> None:
    await _running(db, job_id, scan_id)
    async with db.write_session() as session:
        scan = await get_or_404(session, Scan, scan_id, "scan")
        scan.lease_expires_at = utcnow() + timedelta(seconds=LEASE_SECONDS)
        await session.commit()


async def finish_step_scan(
    db: Database, bus: EventBus, job_id: str, scan_id: str, runs: list[ScannerRun]
) -> StepScanResult:
    """Record the findings and the policy's verdict. Finishing a completed scan again (an answer
    lost on the way) gives the same result and records nothing twice."""
    scan = await step_scan(db, job_id, scan_id)
    if scan.status == "failed":
        raise Conflict(f"scan {scan_id} has already failed: {scan.error}")
    if scan.status != "completed":
        scan = await service.finish_scan(db, bus, scan_id, runs)
    async with db.session() as session:
        violations = await service.violations_of(session, scan)
        return StepScanResult(
            scan=service.scan_read(scan), violations=[service.vulnerability_read(v) for v in violations]
        )


async def fail_step_scan(db: Database, bus: EventBus, job_id: str, scan_id: str, error: str) -> None:
    await step_scan(db, job_id, scan_id)
    await service.fail_scan(db, bus, scan_id, error)


async def _running(db: Database, job_id: str, scan_id: str) -> Scan:
    scan = await step_scan(db, job_id, scan_id)
    if scan.status not in ("queued", "running"):
        raise Conflict(f"scan {scan_id} has ended ({scan.status})")
    return scan


# --- the wire form of a scanner's run ---------------------------------------------------------


def run_wire(run: ScannerRun) -> ScannerResult:
    found = [_finding_wire(f) for f in run.findings]
    progress = service.scanner_read(run).model_dump(exclude={"findings", "error"})
    return ScannerResult(**progress, error=run.error and run.error[:2000], findings=len(found), found=found)


def _finding_wire(finding: Finding) -> FindingWire:
    # the lengths the database keeps (service._refresh cuts them there too)
    short = {
        "rule_id": finding.rule_id[:200],
        "title": finding.title[:500],
        "remediation": finding.remediation[:4000],
    }
    return FindingWire.model_validate({**vars(finding), **short, "aliases": list(finding.aliases)})


def run_of(result: ScannerResult) -> ScannerRun:
    findings = [Finding(**{**f.model_dump(), "aliases": tuple(f.aliases)}) for f in result.found]
    return ScannerRun(result.name, result.status, findings, result.seconds, result.error)


# --- the two recorders ------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectScans:
    job: BuiltinJob
    db: Database
    bus: EventBus

    async def start(self) -> str:
        job = self.job
        scan = await start_step_scan(
            self.db,
            self.bus,
            project_id=job.project_id,
            job_id=job.job_id,
            ref=job.ref,
            commit_sha=job.commit_sha,
        )
        return scan.id

    async def advisories(self, keys: set[tuple[str, str]]) -> AdvisoryIndex:
        return await advisories.lookup(self.db, keys)

    async def progress(self, scan_id: str, run: ScannerRun) -> None:
        await step_progress(self.db, self.bus, self.job.job_id, scan_id, service.scanner_read(run))

    async def extend(self, scan_id: str) -> None:
        await extend_step_scan(self.db, self.job.job_id, scan_id)

    async def finish(self, scan_id: str, runs: list[ScannerRun]) -> StepScanResult:
        # through the wire form, as from a worker: the same bounds hold on both runners
        checked = [run_of(run_wire(run)) for run in runs]
        return await finish_step_scan(self.db, self.bus, self.job.job_id, scan_id, checked)

    async def fail(self, scan_id: str, error: str) -> None:
        await fail_step_scan(self.db, self.bus, self.job.job_id, scan_id, error)


@dataclass(frozen=True)
class ApiScans:
    api: WorkerApi

    async def start(self) -> str:
        return ScanRead.model_validate(await self.api.call("POST", "scans", {})).scan_id

    async def advisories(self, keys: set[tuple[str, str]]) -> AdvisoryIndex:
        query = AdvisoryQuery(packages=[PackageKey(ecosystem=e, name=n) for e, n in sorted(keys)])
        answer = await self.api.call("POST", "advisories", query.wire())
        return AdvisoryIndex(AdvisoryRecords.model_validate(answer).records)

    async def progress(self, scan_id: str, run: ScannerRun) -> None:
        progress = ScannerProgress.model_validate(service.scanner_read(run).model_dump())
        await self.api.call("POST", f"scans/{scan_id}/progress", progress.wire())

    async def extend(self, scan_id: str) -> None:
        await self.api.call("POST", f"scans/{scan_id}/lease", {})

    async def finish(self, scan_id: str, runs: list[ScannerRun]) -> StepScanResult:
        body = StepScanFinish(runs=[run_wire(run) for run in runs])
        return StepScanResult.model_validate(
            await self.api.call("POST", f"scans/{scan_id}/finish", body.wire())
        )

    async def fail(self, scan_id: str, error: str) -> None:
        await self.api.call("POST", f"scans/{scan_id}/fail", StepScanFail(error=error[:2000]).wire())
