import { Link } from 'react-router';
import { formatDuration, formatTime } from '../../components/format';
import { Badge, Empty } from '../../components/ui';
import type { Execution } from '../../services/api.types';

/** A pipeline's latest runs, newest first, each linking to its run page. */
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
            <th>Ref</th>
            <th>Started</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {runs?.map((run) => (
            <tr key={run.id} data-execution-id={run.id}>
              <td>
                <Link to={`/executions/${run.id}`}>#{run.number}</Link>
              </td>
              <td>
                <Badge value={run.status} />
              </td>
              <td>{run.trigger}</td>
              <td>{run.ref ?? '—'}</td>
              <td>{formatTime(run.startedAt ?? run.createdAt)}</td>
              <td>{formatDuration(run.startedAt, run.finishedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
