"""Scans and the vulnerabilities they track: policy, starting and recording scans, triage.

A scan's findings become vulnerabilities by fingerprint (scanners/base.py): the same finding in
a later scan is the same vulnerability, one gone from a later scan of the default branch is
``fixed``, and one that comes back is ``open`` again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import exists, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth.principal import Principal
from conveyor.auth.roles import Role
from conveyor.db import Database, get_or_404, new_id, utcnow
from conveyor.errors import InvalidInput, NotFound
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventPriority, EventType, ScanData, VulnerabilityData
from conveyor.events.schemas import Emission, emission
from conveyor.executions.models import Execution
from conveyor.notifications.schemas import ActivityKind
from conveyor.notifications.service import activity, notify
from conveyor.projects.access import require_in_project
from conveyor.projects.models import Project, ProjectMember
from conveyor.security.models import Scan, ScanFinding, SecurityPolicy, Vulnerability
from conveyor.security.policy import allowed
from conveyor.security.scanners import ScannerRun
from conveyor.security.scanners.base import Finding
from conveyor.security.schemas import (
    SEVERITIES,
    AllowEntryList,
    PolicyPut,
    PolicyRead,
    ScannerRead,
    ScanRead,
    ScanTrigger,
    Summary,
    VulnerabilityPatch,
    VulnerabilityRead,
    severity_rank,
)
from conveyor.system import rules as alert_rules
from conveyor.system.schemas import AlertSeverity

ACCEPTED = ("ignored", "false_positive")
CRITICAL_VULNERABILITY_RULE = "critical_vulnerability"
MAX_VULNERABILITY_EVENTS = 500  # per scan; the page re-reads the list when the scan completes
ABANDONED = {  # why a scan whose lease ran out failed, by who was running it
    "api": "interrupted: the server running this scan stopped before it ended",
    "auto": "interrupted: the server running this scan stopped before it ended",
    "step": "interrupted: the job's runner stopped renewing this scan (its job stopped or its worker died)",
}


# --- policy ---------------------------------------------------------------------------------


async def get_policy(session: AsyncSession, project_id: str) -> PolicyRead:
    row = await session.get(SecurityPolicy, project_id)
    if row is None:
        return PolicyRead()
    return PolicyRead(
        fail_on=row.fail_on, new_only=row.new_only, allow=row.allow.root, auto_scan=row.auto_scan
    )


async def put_policy(
    *, session: AsyncSession, bus: EventBus, project: Project, data: PolicyPut, actor: Principal
) -> PolicyRead:
    row = await session.get(SecurityPolicy, project.id)
    if row is None:
        row = SecurityPolicy(project_id=project.id)
        session.add(row)
    row.fail_on, row.new_only, row.auto_scan = data.fail_on, data.new_only, data.auto_scan
    row.allow, row.updated_at = AllowEntryList(data.allow), utcnow()
    event = activity(
        actor.user_id,
        ActivityKind.SECURITY_POLICY_UPDATED,
        f"Updated the security policy of {project.name}",
        projectId=project.id,
    )
    await bus.commit(session, event)
    return await get_policy(session, project.id)


# --- scans ----------------------------------------------------------------------------------


def scan_read(scan: Scan) -> ScanRead:
    return ScanRead(
        scan_id=scan.id,
        project_id=scan.project_id,
        status=scan.status,
        trigger=scan.trigger,
        ref=scan.ref,
        commit_sha=scan.commit_sha,
        execution_id=scan.execution_id,
        job_id=scan.job_id,
        scanners=[ScannerRead.model_validate(s) for s in scan.scanners or ()],
        summary=Summary.model_validate(scan.summary or {}),
        policy_violations=list(scan.violations or ()),
        error=scan.error,
        created_at=scan.created_at,
        started_at=scan.started_at,
        finished_at=scan.finished_at,
    )


def _scan_event(event_type: EventType, scan: Scan) -> Emission:
    return emission(event_type, ScanData(scanId=scan.id, scan=scan_read(scan)), project_id=scan.project_id)


async def create_scan(
    *,
    session: AsyncSession,
    bus: EventBus,
    project: Project,
    trigger: ScanTrigger,
    ref: str | None = None,
    commit_sha: str | None = None,
    actor_id: str | None = None,
    execution_id: str | None = None,
    job_id: str | None = None,
    lease_seconds: float = 60.0,
) -> Scan:
    """A queued scan (leased to the caller, who runs it), announced with ``security_scan_started``."""
    if trigger != "step" and not project.repo_url:
        raise InvalidInput(f"project {project.name} has no repository (repoUrl) to scan")
    scan = Scan(
        id=new_id(),
        project_id=project.id,
        status="queued",
        trigger=trigger,
        ref=ref or (None if trigger == "step" else project.default_branch),
        commit_sha=commit_sha,
        execution_id=execution_id,
        job_id=job_id,
        actor_id=actor_id,
        scanners=[],
        summary={},
        violations=[],
        created_at=utcnow(),
        lease_expires_at=utcnow() + timedelta(seconds=lease_seconds),
    )
    session.add(scan)
    await session.flush()
    await bus.commit(session, _scan_event(EventType.SECURITY_SCAN_STARTED, scan))
    return scan


async def get_project(session: AsyncSession, project_id: str) -> Project:
    return await get_or_404(session, Project, project_id, "project")


async def violations_of(session: AsyncSession, scan: Scan) -> list[Vulnerability]:
    """The vulnerabilities that broke the policy in this scan, most severe first."""
    if not scan.violations:
        return []
    rows = await session.execute(select(Vulnerability).where(Vulnerability.id.in_(scan.violations)))
    return sorted(rows.scalars(), key=lambda v: (severity_rank(v.severity), v.file or "", v.line or 0))  # type: ignore[arg-type]


async def get_scan(session: AsyncSession, principal: Principal, scan_id: str) -> Scan:
    """The scan if the caller may view its project (strangers get 404)."""
    scan = await session.get(Scan, scan_id)
    if scan is None:
        raise NotFound(f"scan {scan_id} not found")
    await require_in_project(session, principal, scan.project_id, Role.VIEWER, what=f"scan {scan_id}")
    return scan


async def list_scans(session: AsyncSession, project_id: str, *, limit: int = 50) -> list[Scan]:
    statement = (
        select(Scan)
        .where(Scan.project_id == project_id)
        .order_by(Scan.created_at.desc(), Scan.id)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def mark_running(db: Database, bus: EventBus, scan_id: str, *, lease_seconds: float) -> Scan:
    async with db.write_session() as session:
        scan = await get_or_404(session, Scan, scan_id, "scan")
        scan.status, scan.started_at = "running", utcnow()
        scan.lease_expires_at = utcnow() + timedelta(seconds=lease_seconds)
        await bus.commit(session, _scan_event(EventType.SECURITY_SCAN_UPDATED, scan))
        return scan


async def extend_lease(db: Database, scan_ids: Sequence[str], *, lease_seconds: float) -> None:
    if not scan_ids:
        return
    async with db.write_session() as session:
        for scan in (await session.execute(select(Scan).where(Scan.id.in_(scan_ids)))).scalars():
            if scan.status in ("queued", "running"):
                scan.lease_expires_at = utcnow() + timedelta(seconds=lease_seconds)
        await session.commit()


async def scanner_progress(db: Database, bus: EventBus, scan_id: str, progress: ScannerRead) -> None:
    """One scanner started or ended: the scan's ``scanners`` entry and ``security_scan_updated``."""
    entry = progress.model_dump(mode="json")
    async with db.write_session() as session:
        scan = await get_or_404(session, Scan, scan_id, "scan")
        scan.scanners = [s for s in scan.scanners or () if s["name"] != progress.name] + [entry]
        scan.scanners.sort(key=lambda s: str(s["name"]))
        await bus.commit(session, _scan_event(EventType.SECURITY_SCAN_UPDATED, scan))


def scanner_read(run: ScannerRun) -> ScannerRead:
    return ScannerRead(
        name=run.name, status=run.status, findings=len(run.findings), seconds=run.seconds, error=run.error
    )


def _scanner_entry(run: ScannerRun) -> dict[str, Any]:
    return scanner_read(run).model_dump(mode="json")


async def fail_scan(db: Database, bus: EventBus, scan_id: str, error: str) -> Scan | None:
    async with db.write_session() as session:
        scan = await session.get(Scan, scan_id)
        if scan is None or scan.status in ("completed", "failed"):
            return scan
        scan.status, scan.error, scan.finished_at, scan.lease_expires_at = (
            "failed",
            error[:2000],
            utcnow(),
            None,
        )
        await bus.commit(session, _scan_event(EventType.SECURITY_SCAN_COMPLETED, scan))
        return scan


async def fail_abandoned(db: Database, bus: EventBus) -> list[str]:
    """Scans whose runner stopped holding them (the server crashed or stopped): failed, with why."""
    async with db.session() as session:
        statement = select(Scan.id, Scan.trigger).where(
            Scan.status.in_(("queued", "running")),
            (Scan.lease_expires_at.is_(None)) | (Scan.lease_expires_at < utcnow()),
        )
        found = list((await session.execute(statement)).tuples())
    for scan_id, trigger in found:
        await fail_scan(db, bus, scan_id, ABANDONED.get(trigger, ABANDONED["api"]))
    return [scan_id for scan_id, _ in found]


async def start_auto_scans(
    db: Database, bus: EventBus, *, lease_seconds: float, limit: int = 10
) -> list[tuple[Scan, str]]:
    """Queued scans (with the repository to clone) for the executions of default branches whose
    project turned ``autoScan`` on; one per execution, whichever node gets there first."""
    default_ref = literal("refs/heads/").concat(Project.default_branch)
    statement = (
        select(Execution.id, Execution.project_id, Execution.ref, Execution.commit_sha)
        .join(SecurityPolicy, SecurityPolicy.project_id == Execution.project_id)
        .join(Project, Project.id == Execution.project_id)
        .where(
            SecurityPolicy.auto_scan.is_(True),
            Project.repo_url.is_not(None),
            Execution.created_at >= SecurityPolicy.updated_at,
            or_(
                Execution.ref.is_(None), Execution.ref == Project.default_branch, Execution.ref == default_ref
            ),
            ~exists().where(Scan.execution_id == Execution.id),
        )
        .order_by(Execution.created_at)
        .limit(limit)
    )
    async with db.session() as session:
        due = list((await session.execute(statement)).tuples())
    started = []
    for execution_id, project_id, ref, sha in due:
        try:
            async with db.write_session() as session:
                project = await get_or_404(session, Project, project_id, "project")
                scan = await create_scan(
                    session=session,
                    bus=bus,
                    project=project,
                    trigger="auto",
                    ref=ref,
                    commit_sha=sha,
                    execution_id=execution_id,
                    lease_seconds=lease_seconds,
                )
        except IntegrityError:
            continue  # another node started this one
        started.append((scan, project.repo_url or ""))
    return started


async def finish_scan(db: Database, bus: EventBus, scan_id: str, runs: list[ScannerRun]) -> Scan:
    """Record what the scanners found: vulnerabilities, fixes, the policy's verdict, events."""
    async with db.write_session() as session:
        scan = await get_or_404(session, Scan, scan_id, "scan")
        project = await get_or_404(session, Project, scan.project_id, "project")
        policy = await get_policy(session, project.id)
        findings = list({f.fingerprint: f for run in runs for f in run.findings}.values())
        known = {
            v.fingerprint: v
            for v in (
                await session.execute(select(Vulnerability).where(Vulnerability.project_id == project.id))
            ).scalars()
        }
        emissions: list[Emission] = []
        fresh: list[Vulnerability] = []
        for finding in findings:
            vulnerability, event = _record(scan, finding, known.get(finding.fingerprint))
            known[finding.fingerprint] = vulnerability
            session.add(vulnerability)
            if event is not None:
                fresh.append(vulnerability)
                emissions.append(event)
        await session.flush()  # the vulnerabilities first: the links below point at them
        session.add_all(
            ScanFinding(
                scan_id=scan.id, vulnerability_id=known[f.fingerprint].id, line=f.line, version=f.version
            )
            for f in findings
        )
        if _covers_default_branch(scan, project):
            emissions.extend(_mark_fixed(scan, runs, known.values(), {f.fingerprint for f in findings}))
        counted = [known[f.fingerprint] for f in findings if known[f.fingerprint].status not in ACCEPTED]
        scan.summary = _summary(counted)
        scan.violations = _violations(findings, known, {v.id for v in fresh}, policy)
        scan.scanners = [_scanner_entry(r) for r in sorted(runs, key=lambda r: r.name)]
        ran = [r for r in runs if r.status != "skipped"]
        scan.status = "failed" if ran and all(r.status == "failed" for r in ran) else "completed"
        if scan.status == "failed":
            scan.error = "every scanner failed: " + "; ".join(f"{r.name}: {r.error}" for r in ran)
        scan.finished_at, scan.lease_expires_at = utcnow(), None
        emissions = emissions[:MAX_VULNERABILITY_EVENTS]
        emissions.extend(await _notify_members(session, project, fresh))
        emissions.extend(await _critical_alert(session, project))
        emissions.append(_scan_event(EventType.SECURITY_SCAN_COMPLETED, scan))
        await session.flush()
        await bus.commit(session, *emissions)
        return scan


def _record(
    scan: Scan, finding: Finding, existing: Vulnerability | None
) -> tuple[Vulnerability, Emission | None]:
    """The vulnerability for a finding; an event when it is new or comes back after a fix."""
    now = utcnow()
    if existing is None:
        vulnerability = Vulnerability(
            id=new_id(),
            project_id=scan.project_id,
            fingerprint=finding.fingerprint,
            status="open",
            first_seen_scan_id=scan.id,
            created_at=now,
        )
        _refresh(vulnerability, scan, finding)
        return vulnerability, _vulnerability_event(EventType.SECURITY_VULNERABILITY_DETECTED, vulnerability)
    _refresh(existing, scan, finding)
    if existing.status == "fixed":
        existing.status, existing.reason = "open", f"found again by scan {scan.id}"
        return existing, _vulnerability_event(EventType.SECURITY_VULNERABILITY_UPDATED, existing)
    return existing, None


def _refresh(v: Vulnerability, scan: Scan, f: Finding) -> None:
    v.scanner, v.kind, v.rule_id, v.title, v.severity = (
        f.scanner,
        f.kind,
        f.rule_id[:200],
        f.title[:500],
        f.severity,
    )
    v.cwe, v.cve, v.ghsa, v.aliases = f.cwe, f.cve, f.ghsa, list(f.aliases)
    v.file, v.line, v.package, v.version = f.file, f.line, f.package, f.version
    v.fixed_version, v.remediation = f.fixed_version, f.remediation
    v.last_seen_scan_id, v.updated_at = scan.id, utcnow()


def _covers_default_branch(scan: Scan, project: Project) -> bool:
    """Only a scan of the default branch may declare a finding fixed (a feature branch may lag)."""
    return scan.ref is not None and scan.ref.removeprefix("refs/heads/") == project.default_branch


def _mark_fixed(
    scan: Scan, runs: list[ScannerRun], vulnerabilities: Iterable[Vulnerability], seen: set[str]
) -> list[Emission]:
    completed = {r.name for r in runs if r.status == "completed"}
    events = []
    for v in vulnerabilities:
        if v.status == "open" and v.scanner in completed and v.fingerprint not in seen:
            v.status, v.reason, v.updated_at = "fixed", f"not found by scan {scan.id}", utcnow()
            events.append(_vulnerability_event(EventType.SECURITY_VULNERABILITY_UPDATED, v))
    return events


def _summary(vulnerabilities: list[Vulnerability]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
    for v in vulnerabilities:
        counts[v.severity] += 1
    return counts


def _violations(
    findings: list[Finding], known: dict[str, Vulnerability], fresh: set[str], policy: PolicyRead
) -> list[str]:
    """Ids of the vulnerabilities that break the policy (see docs/security.md)."""
    if policy.fail_on is None:
        return []
    today = datetime.now(UTC).date()
    broken = []
    for finding in findings:
        v = known[finding.fingerprint]
        if severity_rank(finding.severity) > severity_rank(policy.fail_on) or v.status in ACCEPTED:
            continue
        if (policy.new_only and v.id not in fresh) or allowed(finding, policy, today) is not None:
            continue
        broken.append(v.id)
    return broken


async def _notify_members(
    session: AsyncSession, project: Project, fresh: list[Vulnerability]
) -> list[Emission]:
    serious = [v for v in fresh if v.severity in ("critical", "high")]
    if not serious:
        return []
    members = await session.execute(
        select(ProjectMember.user_id).where(ProjectMember.project_id == project.id)
    )
    titles = "\n".join(f"- [{v.severity}] {v.title} ({v.file or v.package})" for v in serious[:10])
    return [
        notify(
            session,
            user_id=user_id,
            kind="security",
            priority=EventPriority.HIGH,
            project_id=project.id,
            title=f"{len(serious)} new critical/high security finding(s) in {project.name}",
            body=titles,
        )
        for user_id in members.scalars()
    ]


async def _critical_alert(session: AsyncSession, project: Project) -> list[Emission]:
    """One ``system_alert`` per project while it has open critical vulnerabilities (cause
    ``critical_vulnerability:<project id>``), resolved once each is fixed or triaged."""
    await session.flush()
    statement = (
        select(Vulnerability)
        .where(
            Vulnerability.project_id == project.id,
            Vulnerability.status == "open",
            Vulnerability.severity == "critical",
        )
        .order_by(Vulnerability.created_at, Vulnerability.id)
    )
    critical = list((await session.execute(statement)).scalars())
    cause = f"{CRITICAL_VULNERABILITY_RULE}:{project.id}"
    if not critical:
        return await alert_rules.hold_alert(session, cause, None)
    listed = "\n".join(f"- {v.rule_id}: {v.title} ({v.file or v.package})" for v in critical[:10])
    more = f"\n... and {len(critical) - 10} more" if len(critical) > 10 else ""
    finding = alert_rules.Finding(
        cause,
        f"Critical vulnerability in {project.name}"[:200],
        AlertSeverity.CRITICAL,
        f"{len(critical)} open critical vulnerabilit{'y' if len(critical) == 1 else 'ies'} "
        f"in project {project.name}:\n{listed}{more}",
    )
    return await alert_rules.hold_alert(session, cause, finding)


# --- vulnerabilities ------------------------------------------------------------------------


def vulnerability_read(v: Vulnerability) -> VulnerabilityRead:
    return VulnerabilityRead.model_validate(
        {
            **{c: getattr(v, c) for c in VulnerabilityRead.model_fields if c != "vulnerability_id"},
            "vulnerability_id": v.id,
        }
    )


def _vulnerability_event(event_type: EventType, v: Vulnerability) -> Emission:
    data = VulnerabilityData(vulnerabilityId=v.id, vulnerability=vulnerability_read(v))
    return emission(event_type, data, project_id=v.project_id)


async def list_vulnerabilities(
    session: AsyncSession,
    project_id: str,
    *,
    status: str | None = None,
    severity: str | None = None,
    kind: str | None = None,
    limit: int = 1000,
) -> list[Vulnerability]:
    statement = select(Vulnerability).where(Vulnerability.project_id == project_id)
    for column, value in (
        (Vulnerability.status, status),
        (Vulnerability.severity, severity),
        (Vulnerability.kind, kind),
    ):
        if value is not None:
            statement = statement.where(column == value)
    rows = list((await session.execute(statement.limit(limit))).scalars())
    return sorted(rows, key=lambda v: (severity_rank(v.severity), v.file or v.package or "", v.line or 0))  # type: ignore[arg-type]


async def require_vulnerability(
    session: AsyncSession, principal: Principal, vulnerability_id: str, needed: Role
) -> Vulnerability:
    """The vulnerability if the caller holds ``needed`` in its project (a stranger gets 404)."""
    v = await session.get(Vulnerability, vulnerability_id)
    if v is None:
        raise NotFound(f"vulnerability {vulnerability_id} not found")
    await require_in_project(session, principal, v.project_id, needed, what=f"vulnerability {v.id}")
    return v


async def update_vulnerability(
    *,
    session: AsyncSession,
    bus: EventBus,
    principal: Principal,
    v: Vulnerability,
    data: VulnerabilityPatch,
) -> Vulnerability:
    """A maintainer's triage: ignored / false_positive with a reason, or open again."""
    v.status, v.reason, v.updated_at = data.status, data.reason, utcnow()
    project = await get_or_404(session, Project, v.project_id, "project")
    events = [
        *await _critical_alert(session, project),
        _vulnerability_event(EventType.SECURITY_VULNERABILITY_UPDATED, v),
        activity(
            principal.user_id,
            ActivityKind.VULNERABILITY_TRIAGED,
            f"Marked {v.rule_id} in {v.file or v.package} {data.status}"
            + (f": {data.reason}" if data.reason else ""),
            projectId=v.project_id,
            vulnerabilityId=v.id,
        ),
    ]
    await bus.commit(session, *events)
    return v


async def scan_findings(session: AsyncSession, scan: Scan) -> list[Finding]:
    """The findings of one scan as it saw them, for its SARIF and JSON exports."""
    statement = (
        select(Vulnerability, ScanFinding.line, ScanFinding.version)
        .join(ScanFinding, ScanFinding.vulnerability_id == Vulnerability.id)
        .where(ScanFinding.scan_id == scan.id)
    )
    findings = []
    for v, line, version in (await session.execute(statement)).tuples():
        findings.append(
            Finding(
                scanner=v.scanner,
                kind=v.kind,  # type: ignore[arg-type]
                rule_id=v.rule_id,
                title=v.title,
                severity=v.severity,  # type: ignore[arg-type]
                fingerprint=v.fingerprint,
                remediation=v.remediation,
                file=v.file,
                line=line,
                cwe=v.cwe,
                cve=v.cve,
                ghsa=v.ghsa,
                aliases=tuple(v.aliases or ()),
                package=v.package,
                version=version,
                fixed_version=v.fixed_version,
            )
        )
    return sorted(findings, key=lambda f: (f.scanner, f.file or "", f.line or 0, f.rule_id))
