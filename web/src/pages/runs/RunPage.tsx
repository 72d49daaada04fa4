// One run of a pipeline: what ran (pipeline, number, commit, trigger), its jobs as a live graph,
// the chosen job's log by step, its artifacts and, when it failed, why.
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { Badge, Card, Empty, ErrorText } from '../../components/ui';
import { JobGraph } from '../../components/JobGraph';
import { CommitLine, RunRef } from '../../components/RunSource';
import { formatDuration, formatTime } from '../../components/format';
import { useApi } from '../../hooks/useSession';
import type { Artifact, Execution, Job, Pipeline } from '../../services/api.types';
import { FAILING_STATUSES, RETRYABLE_STATUSES, TERMINAL_STATUSES } from '../../services/events.generated';
import { RunPipeline } from '../pipelines/RunPipeline';
import { useCanOperate, useExecution, useExecutionAction, usePipeline, useProject } from '../pipelines/queries';
import { Approval } from './Approval';
import { Diagnosis } from './Diagnosis';
import { JobLog } from './JobLog';
import { TestResults } from './TestResults';

type Panel = 'log' | 'tests' | 'artifacts';
const PANELS: Panel[] = ['log', 'tests', 'artifacts'];

/** The job shown: the one in `?job=`, else the first failing, else the first running, else the first. */
export function shownJob(jobs: Job[], wanted: string | null): Job | undefined {
  return (
    jobs.find((job) => job.key === wanted) ??
    jobs.find((job) => FAILING_STATUSES.has(job.status)) ??
    jobs.find((job) => job.status === 'running') ??
    jobs[0]
  );
}

export function RunPage() {
  const { executionId = '' } = useParams();
  const execution = useExecution(executionId);
  const run = execution.data;
  const project = useProject(run?.projectId);
  const pipeline = usePipeline(run?.pipelineId);
  const canOperate = useCanOperate(project.data);
  const [params, setParams] = useSearchParams();

  if (!run) return execution.error ? <ErrorText error={execution.error} /> : <p>Loading…</p>;
  const job = shownJob(run.jobs, params.get('job'));
  const title = `${pipeline.data?.name ?? 'Pipeline'} #${run.number}`;
  const panel = PANELS.find((name) => name === params.get('tab')) ?? 'log';
  const show = (changes: Record<string, string | null>) =>
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        for (const [key, value] of Object.entries(changes)) if (value === null) next.delete(key); else next.set(key, value);
        return next;
      },
      { replace: true },
    );
  const inputs = Object.entries(run.inputs ?? {});
  return (
    <div className="stack run-page">
      <p className="crumbs">
        <Link to="/pipelines">Projects</Link> / <Link to={`/projects/${run.projectId}`}>{project.data?.name ?? '…'}</Link> /{' '}
        {pipeline.data ? <Link to={`/pipelines/${pipeline.data.id}`}>{pipeline.data.name}</Link> : '…'} / #{run.number}
      </p>
      <Card title={<span data-testid="run-title">{title}</span>} actions={canOperate && <Controls execution={run} pipeline={pipeline.data} />}>
        <dl className="facts">
          <dt>Status</dt>
          <dd data-testid="execution-status">
            <Badge value={run.status} />
          </dd>
          <dt>Trigger</dt>
          <dd>{run.trigger}</dd>
          <dt>{run.pullRequest != null ? 'Pull request' : 'Ref'}</dt>
          <dd data-testid="run-ref">
            <RunRef run={run} />
            {run.pullRequestTitle && <span className="pr-title"> {run.pullRequestTitle}</span>}
            {run.fromFork && <small className="muted"> (from a fork: no secrets)</small>}
          </dd>
          <dt>Commit</dt>
          <dd data-testid="commit">
            <CommitLine run={run} />
          </dd>
          <dt>Started</dt>
          <dd>{formatTime(run.startedAt ?? run.createdAt)}</dd>
          <dt>Duration</dt>
          <dd>{formatDuration(run.startedAt, run.finishedAt)}</dd>
          {inputs.length > 0 && (
            <>
              <dt>Inputs</dt>
              <dd data-testid="inputs">
                {inputs.map(([name, value]) => (
                  <code key={name} className="input-value">
                    {name}={JSON.stringify(value)}
                  </code>
                ))}
              </dd>
            </>
          )}
          {run.attempt > 1 && (
            <>
              <dt>Attempt</dt>
              <dd>{run.attempt}</dd>
            </>
          )}
        </dl>
        {run.error && <p className="error">{run.error}</p>}
      </Card>
      <Approval run={run} canDecide={canOperate} />
      <Diagnosis run={run} />
      <Card title="Jobs">
        <JobGraph
          label="jobs"
          jobs={run.jobs.map((j) => ({ ...j, detail: j.startedAt ? formatDuration(j.startedAt, j.finishedAt) : undefined }))}
          selected={job?.key}
          onSelect={(key) => show({ job: key, tab: null })}
        />
      </Card>
      <div className="tabs" role="tablist" aria-label="run details">
        {PANELS.map((name) => (
          <button key={name} type="button" role="tab" aria-selected={panel === name} onClick={() => show({ tab: name === 'log' ? null : name })}>
            {name === 'log' ? `Log${job ? `: ${job.name}` : ''}` : name === 'tests' ? <TestsTabLabel run={run} /> : 'Artifacts'}
          </button>
        ))}
      </div>
      {panel === 'log' && job && (
        <Card title={<>{job.name} <Badge value={job.status} /></>}>
          {job.waitReason && (
            <p className="muted" data-testid="wait-reason">
              {job.waitReason}
            </p>
          )}
          <JobLog key={job.id} executionId={run.id} job={job} />
        </Card>
      )}
      {panel === 'tests' && <TestResults run={run} />}
      {panel === 'artifacts' && <Artifacts run={run} />}
    </div>
  );
}

function TestsTabLabel({ run }: { run: Execution }) {
  if (!run.tests) return <>Tests</>;
  return run.tests.failed ? (
    <>
      Tests <span className="count">{run.tests.failed} failed</span>
    </>
  ) : (
    <>Tests ({run.tests.passed} passed)</>
  );
}

function Controls({ execution, pipeline }: { execution: Execution; pipeline: Pipeline | undefined }) {
  const action = useExecutionAction();
  const navigate = useNavigate();
  const finished = TERMINAL_STATUSES.has(execution.status);
  const open = (r: { executionId: string }) => navigate(`/executions/${r.executionId}`);
  return (
    <div className="actions">
      {!finished && (
        <button type="button" disabled={action.isPending} onClick={() => action.mutate({ action: 'cancel', id: execution.id })}>
          Cancel
        </button>
      )}
      {finished && RETRYABLE_STATUSES.has(execution.status) && (
        <button type="button" disabled={action.isPending} onClick={() => action.mutate({ action: 'retry', id: execution.id }, { onSuccess: open })}>
          Retry failed jobs
        </button>
      )}
      <RunPipeline pipeline={pipeline ?? { id: execution.pipelineId, name: 'pipeline', error: null }} />
      <ErrorText error={action.error} />
    </div>
  );
}

function Artifacts({ run }: { run: Execution }) {
  const api = useApi();
  const artifacts = useQuery({
    queryKey: ['artifacts', run.id, run.status],
    queryFn: () => api.get<Artifact[]>(`/executions/${run.id}/artifacts`),
  });
  const jobName = (id: string) => run.jobs.find((job) => job.id === id)?.name ?? '';
  return (
    <Card title="Artifacts">
      <ErrorText error={artifacts.error} />
      {artifacts.data?.length === 0 ? (
        <Empty>{TERMINAL_STATUSES.has(run.status) ? 'This run kept no artifacts.' : 'Artifacts appear when jobs finish.'}</Empty>
      ) : (
        <ul className="links" aria-label="artifacts">
          {artifacts.data?.map((artifact) => (
            <li key={artifact.id}>
              <button
                type="button"
                className="link"
                onClick={() => void api.download(`/executions/${run.id}/artifacts/${artifact.id}`, artifact.path.split('/').pop() ?? 'artifact')}
              >
                {artifact.path}
              </button>
              <small>
                {jobName(artifact.jobId)} · {formatBytes(artifact.size)}
              </small>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
