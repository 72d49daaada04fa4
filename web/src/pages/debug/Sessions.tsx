import { Link } from 'react-router';
import { formatTime } from '../../components/format';
import { Badge, Card, Empty, ErrorText } from '../../components/ui';
import type { DebugError, DebugSession, Patch } from '../../services/api.types';
import { useExecution } from '../pipelines/queries';
import { diffLineClass } from './diff';
import { percent } from './percent';
import { useDebugSessions, useLiveDebug, usePatchAction } from './queries';

const KIND: Record<string, string> = { fixed: 'success', verified: 'success', unfixed: 'failed', failed: 'failed', verifying: 'running', analyzing: 'running' };

/** The project's debug sessions, newest first, each with its errors, diagnosis and patches. */
export function Sessions({ projectId, canOperate }: { projectId: string; canOperate: boolean }) {
  const sessions = useDebugSessions(projectId);
  useLiveDebug(projectId);
  return (
    <Card title="Sessions">
      <ErrorText error={sessions.error} />
      {sessions.data?.length === 0 && <Empty>No debug sessions for this project: a failed run opens one.</Empty>}
      {sessions.data?.map((session, index) => (
        <SessionView key={session.sessionId} session={session} open={index === 0} canOperate={canOperate} projectId={projectId} />
      ))}
    </Card>
  );
}

function SessionView({ session, open, canOperate, projectId }: { session: DebugSession; open: boolean; canOperate: boolean; projectId: string }) {
  return (
    <details className="debug-session" data-session-id={session.sessionId} data-status={session.status} open={open}>
      <summary>
        <Badge value={session.status} kind={KIND[session.status] ?? 'info'} /> {formatTime(session.createdAt)}{' '}
        {session.classification.label && <strong>{session.classification.label}</strong>}{' '}
        {session.executionId && <Link to={`/executions/${session.executionId}`}>failed run</Link>}
      </summary>
      <p className="explanation">{session.explanation}</p>
      <ClassificationList session={session} />
      <ErrorList errors={session.errors} executionId={session.executionId} />
      {session.patches.map((patch) => (
        <PatchView key={patch.id} patch={patch} canOperate={canOperate} projectId={projectId} />
      ))}
    </details>
  );
}

function ClassificationList({ session }: { session: DebugSession }) {
  const top = session.classification.top.slice(0, 3);
  if (top.length === 0) return null;
  return (
    <ul className="classification" aria-label="classification">
      {top.map((score) => (
        <li key={score.label} data-label={score.label}>
          {score.label}: {percent(score.confidence)}
        </li>
      ))}
    </ul>
  );
}

function ErrorList({ errors, executionId }: { errors: DebugError[]; executionId: string | null }) {
  if (errors.length === 0) return null;
  return (
    <table aria-label="errors">
      <thead>
        <tr>
          <th>Error</th>
          <th>Where</th>
          <th>Log line</th>
        </tr>
      </thead>
      <tbody>
        {errors.map((error) => (
          <tr key={error.id} data-error-id={error.id}>
            <td>
              {error.message}
              {error.excerpt && <pre>{error.excerpt}</pre>}
            </td>
            <td>
              {error.file ?? '—'}
              {error.line !== null && `:${error.line}`}
              {error.job && <small className="muted"> job {error.job}{error.step && `, step ${error.step}`}</small>}
            </td>
            <td>
              {error.logLine !== null && executionId ? <Link to={`/executions/${executionId}`}>line {error.logLine}</Link> : (error.logLine ?? '—')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PatchView({ patch, canOperate, projectId }: { patch: Patch; canOperate: boolean; projectId: string }) {
  const action = usePatchAction(projectId);
  const applied = patch.status === 'verifying' || patch.status === 'verified' || patch.status === 'failed';
  return (
    <section className="debug-patch" data-patch-id={patch.id} data-status={patch.status} aria-label={`patch ${patch.fixer}`}>
      <h3>
        Patch by {patch.fixer} <Badge value={patch.status} kind={KIND[patch.status] ?? 'info'} />{' '}
        <small className="muted">
          {patch.target}, confidence {percent(patch.confidence)}
          {patch.fromMemory && ', remembered'}
        </small>
      </h3>
      <p>{patch.explanation}</p>
      <pre className="diff" aria-label="diff">
        {patch.diff.split('\n').map((line, i) => (
          <span key={i} className={diffLineClass(line)}>
            {line}
            {'\n'}
          </span>
        ))}
      </pre>
      {patch.error && <p className="error">{patch.error}</p>}
      {patch.branch && (
        <p className="muted">
          Branch <code>{patch.branch}</code>
          {patch.commit && (
            <>
              {' '}
              at <code>{patch.commit.slice(0, 10)}</code>
            </>
          )}
        </p>
      )}
      {patch.verificationExecutionId && <Verification executionId={patch.verificationExecutionId} />}
      {canOperate && (
        <div className="actions">
          {patch.status === 'proposed' && (
            <button type="button" disabled={action.isPending} onClick={() => action.mutate({ action: 'apply', patchId: patch.id })}>
              Apply
            </button>
          )}
          {applied && (
            <button type="button" disabled={action.isPending} onClick={() => action.mutate({ action: 'rollback', patchId: patch.id })}>
              Roll back
            </button>
          )}
        </div>
      )}
      <ErrorText error={action.error} />
    </section>
  );
}

/** The verification run's status, live (the execution events patch the cached run). */
function Verification({ executionId }: { executionId: string }) {
  const execution = useExecution(executionId);
  const status = execution.data?.status ?? 'queued';
  return (
    <p className="verification" data-status={status}>
      Verification run: <Badge value={status} /> <Link to={`/executions/${executionId}`}>open the run</Link>
    </p>
  );
}
