import { useEffect, useRef } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Badge, Card, ErrorText } from '../../components/ui';
import { formatDuration, formatTime } from '../../components/format';
import type { Execution, Job } from '../../services/api.types';
import { RETRYABLE_STATUSES, TERMINAL_STATUSES } from '../../services/events.generated';
import { useExecutionLog, type JobLogState } from './executionLog';
import { useCanOperate, useExecution, useExecutionAction, useProject } from './queries';

export function ExecutionPage() {
  const { executionId = '' } = useParams();
  const execution = useExecution(executionId);
  const project = useProject(execution.data?.projectId);
  const canOperate = useCanOperate(project.data);
  const { logs, error: logError } = useExecutionLog(executionId);

  if (!execution.data) return execution.error ? <ErrorText error={execution.error} /> : <p>Loading…</p>;
  const run = execution.data;
  return (
    <div className="stack">
      <p className="crumbs">
        <Link to="/pipelines">Projects</Link> / <Link to={`/projects/${run.projectId}`}>{project.data?.name ?? '…'}</Link> /
        execution #{run.number}
      </p>
      <Card title={<>Execution #{run.number}</>} actions={canOperate && <Controls execution={run} />}>
        <dl className="facts">
          <dt>Status</dt>
          <dd data-testid="execution-status">
            <Badge value={run.status} />
          </dd>
          <dt>Trigger</dt>
          <dd>{run.trigger}</dd>
          <dt>Ref</dt>
          <dd>
            {run.ref ?? '—'} {run.commitSha && <code>{run.commitSha.slice(0, 10)}</code>}
          </dd>
          <dt>Started</dt>
          <dd>{formatTime(run.startedAt)}</dd>
          <dt>Duration</dt>
          <dd>{formatDuration(run.startedAt, run.finishedAt)}</dd>
          {run.attempt > 1 && (
            <>
              <dt>Attempt</dt>
              <dd>{run.attempt}</dd>
            </>
          )}
        </dl>
        {run.error && <p className="error">{run.error}</p>}
      </Card>
      <ErrorText error={logError} />
      {run.jobs.map((job) => (
        <JobView key={job.id} job={job} log={logs[job.id]} />
      ))}
    </div>
  );
}

function Controls({ execution }: { execution: Execution }) {
  const action = useExecutionAction();
  const navigate = useNavigate();
  const finished = TERMINAL_STATUSES.has(execution.status);
  return (
    <div className="actions">
      {!finished && (
        <button type="button" disabled={action.isPending} onClick={() => action.mutate({ action: 'cancel', id: execution.id })}>
          Cancel
        </button>
      )}
      {finished && RETRYABLE_STATUSES.has(execution.status) && (
        <button type="button" disabled={action.isPending} onClick={() => action.mutate({ action: 'retry', id: execution.id })}>
          Retry failed jobs
        </button>
      )}
      <button
        type="button"
        disabled={action.isPending}
        onClick={() =>
          action.mutate({ action: 'start', id: execution.pipelineId }, { onSuccess: (r) => navigate(`/executions/${r.executionId}`) })
        }
      >
        Run again
      </button>
      <ErrorText error={action.error} />
    </div>
  );
}

function JobView({ job, log }: { job: Job; log: JobLogState | undefined }) {
  const end = useRef<HTMLDivElement>(null);
  const count = log?.lines.length ?? 0;
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'nearest' }); // (returns a promise in recent Chromium: not a cleanup)
  }, [count]);
  return (
    <Card
      title={
        <>
          {job.name} <Badge value={job.status} />
        </>
      }
    >
      <ol className="steps">
        {job.steps.map((step) => (
          <li key={step.index}>
            <Badge value={step.status} /> {step.name}
            <small> {formatDuration(step.startedAt, step.finishedAt)}</small>
            {step.error && <span className="error"> {step.error}</span>}
          </li>
        ))}
      </ol>
      {job.error && !job.steps.some((step) => step.error === job.error) && <p className="error">{job.error}</p>}
      <div className="log" role="log" aria-label={`log of ${job.name}`}>
        {log && log.dropped > 0 && <div className="muted">… {log.dropped} earlier lines not shown</div>}
        {log?.lines.map((line) => (
          <div key={line.n} className="log-line">
            <span className="n">{line.n + 1}</span>
            {line.text}
          </div>
        ))}
        {count === 0 && <div className="muted">{TERMINAL_STATUSES.has(job.status) ? 'No output.' : 'Waiting for output…'}</div>}
        <div ref={end} />
      </div>
    </Card>
  );
}
