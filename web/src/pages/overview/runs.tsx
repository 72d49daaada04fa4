// The home page's runs: the newest across the user's projects, and the latest of each pipeline
// on each branch. Kept live by services/liveCache.ts (patched on updates, refetched when a run
// starts or ends).
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { Badge, Empty, ErrorText } from '../../components/ui';
import { formatDuration, formatTime } from '../../components/format';
import { CommitLine, RunRef } from '../../components/RunSource';
import { useApi } from '../../hooks/useSession';
import type { ExecutionSummary } from '../../services/api.types';
import { queryKeys, withLatestState } from '../../services/liveCache';

export function useRuns(kind: 'recent' | 'latest') {
  const api = useApi();
  return useQuery({
    queryKey: [...queryKeys.runs, kind],
    queryFn: () => api.get<ExecutionSummary[]>('/executions', kind === 'latest' ? { latest: true, limit: 100 } : { limit: 20 }),
    select: withLatestState<ExecutionSummary>,
  });
}

const runLink = (run: ExecutionSummary) => <Link to={`/executions/${run.id}`}>{`${run.pipelineName} #${run.number}`}</Link>;

export function RecentRuns() {
  const runs = useRuns('recent');
  if (runs.data?.length === 0) return <Empty>No runs yet. Start one from a project’s pipelines.</Empty>;
  return (
    <div className="table-scroll">
      <ErrorText error={runs.error} />
      <table aria-label="recent runs">
        <thead>
          <tr>
            <th>Status</th>
            <th>Run</th>
            <th>Project</th>
            <th>Branch or PR</th>
            <th>Commit</th>
            <th>Trigger</th>
            <th>Started</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {runs.data?.map((run) => (
            <tr key={run.id} data-execution-id={run.id}>
              <td>
                <Badge value={run.status} />
              </td>
              <td>{runLink(run)}</td>
              <td>
                <Link to={`/projects/${run.projectId}`}>{run.projectName}</Link>
              </td>
              <td>
                <RunRef run={run} />
              </td>
              <td>
                <CommitLine run={run} />
              </td>
              <td>{run.trigger}</td>
              <td>{formatTime(run.startedAt ?? run.createdAt)}</td>
              <td>{formatDuration(run.startedAt, run.finishedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function LatestStatus() {
  const runs = useRuns('latest');
  if (runs.data?.length === 0) return <Empty>No pipeline has run yet.</Empty>;
  const sorted = [...(runs.data ?? [])].sort(
    (a, b) => a.projectName.localeCompare(b.projectName) || a.pipelineName.localeCompare(b.pipelineName) || (a.ref ?? '').localeCompare(b.ref ?? ''),
  );
  return (
    <>
      <ErrorText error={runs.error} />
      <ul className="links latest" aria-label="latest status">
        {sorted.map((run) => (
          <li key={run.id} data-pipeline-id={run.pipelineId} data-ref={run.ref ?? ''}>
            <Badge value={run.status} />
            <span className="latest-name">
              {run.projectName} / {runLink(run)}
            </span>
            <small>{run.ref ?? 'no branch'}</small>
          </li>
        ))}
      </ul>
    </>
  );
}
