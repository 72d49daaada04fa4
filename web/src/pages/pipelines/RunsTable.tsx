import { Link } from 'react-router';
import { formatDuration, formatTime } from '../../components/format';
import { CommitLine, groupByPullRequest, RunRef } from '../../components/RunSource';
import { Badge, Empty } from '../../components/ui';
import type { Execution } from '../../services/api.types';

/** A pipeline's latest runs, newest first, each linking to its run page; a pull request's runs
 * are grouped under it. */
export function RunsTable({ label, runs }: { label: string; runs: Execution[] | undefined }) {
  if (runs?.length === 0) return <Empty>No runs yet.</Empty>;
  return (
    <div className="table-scroll">
      <table aria-label={label}>
        <thead>
          <tr>
            <th>Run</th>
            <th>Status</th>
            <th>Trigger</th>
            <th>Branch or PR</th>
            <th>Commit</th>
            <th>Started</th>
            <th>Duration</th>
          </tr>
        </thead>
        {groupByPullRequest(runs ?? []).map((group) => (
          <tbody key={group.pullRequest ?? `runs-${group.runs[0]?.id}`} data-pull-request={group.pullRequest ?? undefined}>
            {group.pullRequest !== null && (
              <tr className="run-group">
                <th colSpan={7} scope="rowgroup">
                  {group.title} <small className="muted">({group.runs.length} {group.runs.length === 1 ? 'run' : 'runs'})</small>
                </th>
              </tr>
            )}
            {group.runs.map((run) => (
              <tr key={run.id} data-execution-id={run.id}>
                <td>
                  <Link to={`/executions/${run.id}`}>#{run.number}</Link>
                </td>
                <td>
                  <Badge value={run.status} />
                </td>
                <td>{run.trigger}</td>
                <td>
                  <RunRef run={run} />
                </td>
                <td>
                  <CommitLine run={run} />
                </td>
                <td>{formatTime(run.startedAt ?? run.createdAt)}</td>
                <td>{formatDuration(run.startedAt, run.finishedAt)}</td>
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}
