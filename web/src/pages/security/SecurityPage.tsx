import { useState, type FormEvent } from 'react';
import { CategoryEvents } from '../../components/CategoryEvents';
import { formatTime } from '../../components/format';
import { Badge, Card, Empty, ErrorText } from '../../components/ui';
import { useApi } from '../../hooks/useSession';
import type { Scan, Vulnerability } from '../../services/api.types';
import { EventCategory } from '../../services/websocket.service';
import { ProjectPicker, useProjectParam } from '../pipelines/ProjectPicker';
import { SEVERITIES, useLiveSecurity, useScans, useStartScan, useTriage, useVulnerabilities } from './queries';

const KINDS = ['code', 'secret', 'dependency'] as const;
const STATUSES = ['open', 'fixed', 'ignored', 'false_positive'] as const;

export function SecurityPage() {
  const { projects, projectId, canOperate, select } = useProjectParam();
  const [critical, setCritical] = useState<Vulnerability | null>(null);
  useLiveSecurity(projectId, setCritical);

  return (
    <div className="stack">
      <Card
        title="Security"
        actions={
<ProjectPicker value={projectId} projects={projects.data} onChange={select} />
        }
      >
        <ErrorText error={projects.error} />
        {projects.data?.length === 0 && <Empty>No projects yet: create one on the Pipelines page, then scan it here.</Empty>}
        {critical && (
          <div className="critical-banner" role="alert" data-testid="new-critical">
            <strong>New critical finding:</strong> {critical.title} ({where(critical)}){' '}
            <button type="button" onClick={() => setCritical(null)}>
              Dismiss
            </button>
          </div>
        )}
      </Card>
      {projectId && <Scans projectId={projectId} canScan={canOperate} />}
      {projectId && <Vulnerabilities projectId={projectId} canTriage={canOperate} />}
      <Card title="Security events">
        <CategoryEvents category={EventCategory.SECURITY} empty="No security events yet: they appear here live as scans run." />
      </Card>
    </div>
  );
}

function Scans({ projectId, canScan }: { projectId: string; canScan: boolean }) {
  const api = useApi();
  const scans = useScans(projectId);
  const start = useStartScan(projectId);
  const [ref, setRef] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate(ref.trim());
  };
  return (
    <Card
      title="Scans"
      actions={
        canScan && (
          <form className="inline" onSubmit={submit}>
            <input name="ref" placeholder="default branch" value={ref} onChange={(e) => setRef(e.target.value)} aria-label="ref" />
            <button type="submit" disabled={start.isPending}>
              Scan now
            </button>
          </form>
        )
      }
    >
      <ErrorText error={scans.error ?? start.error} />
      {scans.data?.length === 0 ? (
        <Empty>No scans of this project yet.</Empty>
      ) : (
        <table aria-label="scans">
          <thead>
            <tr>
              <th>Started</th>
              <th>Status</th>
              <th>Ref</th>
              <th>Scanners</th>
              <th>Findings</th>
              <th>Export</th>
            </tr>
          </thead>
          <tbody>
            {scans.data?.map((scan) => (
              <tr key={scan.scanId} data-scan-id={scan.scanId}>
                <td>
                  {formatTime(scan.createdAt)} <small className="muted">{scan.trigger}</small>
                </td>
                <td>
                  <Badge value={scan.status} kind={scan.status === 'completed' ? 'success' : scan.status} />
                  {scan.error && <div className="error">{scan.error}</div>}
                  {scan.policyViolations.length > 0 && <div className="muted">{scan.policyViolations.length} break the policy</div>}
                </td>
                <td>{scan.ref ?? 'workspace'}</td>
                <td>
                  <ScannerList scan={scan} />
                </td>
                <td>
                  <SummaryCounts scan={scan} />
                </td>
                <td>
                  <div className="actions">
                    <button type="button" onClick={() => void api.download(`/scans/${scan.scanId}/sarif`, `scan-${scan.scanId}.sarif`)}>
                      SARIF
                    </button>
                    <button type="button" onClick={() => void api.download(`/scans/${scan.scanId}/json`, `scan-${scan.scanId}.json`)}>
                      JSON
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function ScannerList({ scan }: { scan: Scan }) {
  return (
    <ul className="scanners" aria-label="scanners">
      {scan.scanners.map((s) => (
        <li key={s.name} data-scanner={s.name} data-status={s.status} title={s.error ?? undefined}>
          {s.name} <Badge value={s.status} kind={s.status === 'completed' ? 'success' : s.status} />
          {s.status === 'completed' && (
            <small className="muted">
              {' '}
              {s.findings} in {s.seconds.toFixed(1)} s
            </small>
          )}
          {s.error && <small className="muted"> {s.error}</small>}
        </li>
      ))}
    </ul>
  );
}

function SummaryCounts({ scan }: { scan: Scan }) {
  const counts = SEVERITIES.filter((s) => scan.summary[s] > 0);
  if (scan.status !== 'completed') return null;
  if (counts.length === 0) return <span className="muted">none</span>;
  return (
    <span className="summary">
      {counts.map((s) => (
        <span key={s} data-severity={s}>
          <Badge value={`${scan.summary[s]} ${s}`} kind={s} />{' '}
        </span>
      ))}
    </span>
  );
}

function Vulnerabilities({ projectId, canTriage }: { projectId: string; canTriage: boolean }) {
  const vulnerabilities = useVulnerabilities(projectId);
  const [severity, setSeverity] = useState('');
  const [kind, setKind] = useState('');
  const [status, setStatus] = useState('open');
  const shown = (vulnerabilities.data ?? []).filter(
    (v) => (!severity || v.severity === severity) && (!kind || v.kind === kind) && (!status || v.status === status),
  );
  return (
    <Card
      title="Vulnerabilities"
      actions={
        <div className="filters">
          <Filter label="severity" value={severity} options={SEVERITIES} onChange={setSeverity} />
          <Filter label="kind" value={kind} options={KINDS} onChange={setKind} />
          <Filter label="status" value={status} options={STATUSES} onChange={setStatus} />
        </div>
      }
    >
      <ErrorText error={vulnerabilities.error} />
      {shown.length === 0 ? (
        <Empty>{vulnerabilities.isPending ? 'Loading…' : 'No vulnerabilities match these filters.'}</Empty>
      ) : (
        <table aria-label="vulnerabilities">
          <thead>
            <tr>
              <th>Severity</th>
              <th>Finding</th>
              <th>Where</th>
              <th>Fix</th>
              <th>Status</th>
              {canTriage && <th />}
            </tr>
          </thead>
          <tbody>
            {shown.map((v) => (
              <VulnerabilityRow key={v.vulnerabilityId} v={v} projectId={projectId} canTriage={canTriage} />
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function Filter({ label, value, options, onChange }: { label: string; value: string; options: readonly string[]; onChange: (v: string) => void }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">any {label}</option>
      {options.map((o) => (
        <option key={o} value={o}>
          {o.replace('_', ' ')}
        </option>
      ))}
    </select>
  );
}

function where(v: Vulnerability): string {
  if (v.package) return `${v.package} ${v.version ?? ''}`.trim();
  return v.line ? `${v.file}:${v.line}` : (v.file ?? '');
}

function VulnerabilityRow({ v, projectId, canTriage }: { v: Vulnerability; projectId: string; canTriage: boolean }) {
  const triage = useTriage(projectId);
  const [reason, setReason] = useState('');
  const act = (status: 'ignored' | 'false_positive' | 'open') => triage.mutate({ id: v.vulnerabilityId, status, reason: reason || 'reopened' });
  const ids = [v.ruleId, v.cwe, v.cve, v.ghsa].filter(Boolean).join(' · ');
  return (
    <tr data-vulnerability-id={v.vulnerabilityId} data-rule={v.ruleId} data-kind={v.kind}>
      <td>
        <Badge value={v.severity} />
      </td>
      <td>
        <strong>{v.title}</strong>
        <div className="muted">
          {v.kind} · {ids}
        </div>
      </td>
      <td>
        <code>{where(v)}</code>
      </td>
      <td>
        {v.fixedVersion && <div>fixed in {v.fixedVersion}</div>}
        <small className="muted">{v.remediation}</small>
      </td>
      <td>
        <Badge value={v.status} kind={v.status === 'fixed' ? 'success' : v.status} />
        {v.reason && <div className="muted">{v.reason}</div>}
      </td>
      {canTriage && (
        <td>
          <ErrorText error={triage.error} />
          {v.status === 'ignored' || v.status === 'false_positive' ? (
            <button type="button" onClick={() => act('open')}>
              Reopen
            </button>
          ) : (
            <div className="actions">
              <input aria-label="reason" placeholder="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
              <button type="button" disabled={!reason.trim()} onClick={() => act('ignored')}>
                Ignore
              </button>
              <button type="button" disabled={!reason.trim()} onClick={() => act('false_positive')}>
                False positive
              </button>
            </div>
          )}
        </td>
      )}
    </tr>
  );
}
