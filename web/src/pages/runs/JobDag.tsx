// The jobs of a run as a graph: one column per stage (a job sits right of everything it needs),
// each job with its live status; choosing one shows its log.
import { Badge } from '../../components/ui';
import { formatDuration } from '../../components/format';
import type { Job } from '../../services/api.types';

/** Each job's column: 0 for jobs that need nothing, else one more than the deepest job it needs. */
export function stages(jobs: Job[]): Job[][] {
  const byKey = new Map(jobs.map((job) => [job.key, job]));
  const depth = new Map<string, number>();
  const visit = (job: Job, path: Set<string>): number => {
    const known = depth.get(job.key);
    if (known !== undefined) return known;
    if (path.has(job.key)) return 0; // a cycle cannot be stored, but never loop on one
    path.add(job.key);
    const needed = job.needs.map((key) => byKey.get(key)).filter((n): n is Job => n !== undefined);
    const value = needed.length ? Math.max(...needed.map((n) => visit(n, path))) + 1 : 0;
    depth.set(job.key, value);
    return value;
  };
  const columns: Job[][] = [];
  for (const job of jobs) (columns[visit(job, new Set())] ??= []).push(job);
  return columns.filter(Boolean);
}

export function JobDag({ jobs, selected, onSelect }: { jobs: Job[]; selected: string | undefined; onSelect: (key: string) => void }) {
  return (
    <div className="dag" role="list" aria-label="jobs">
      {stages(jobs).map((column, index) => (
        <div className="dag-stage" key={index}>
          {column.map((job) => (
            <button
              type="button"
              role="listitem"
              key={job.id}
              className={`dag-job status-${job.status}${job.key === selected ? ' selected' : ''}`}
              data-job={job.key}
              aria-current={job.key === selected}
              onClick={() => onSelect(job.key)}
              title={job.needs.length ? `needs ${job.needs.join(', ')}` : undefined}
            >
              <Badge value={job.status} />
              <span className="job-name">{job.name}</span>
              <small>{formatDuration(job.startedAt, job.finishedAt)}</small>
            </button>
          ))}
        </div>
      ))}
    </div>
  );
}
