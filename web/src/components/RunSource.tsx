// What a run built: its branch or pull request, and its commit (short sha, first line of the
// message, author). Shared by the run page and every list of runs.
import type { Execution, ExecutionSummary } from '../services/api.types';

type Source = Pick<
  Execution | ExecutionSummary,
  'ref' | 'commitSha' | 'commitMessage' | 'commitAuthor' | 'pullRequest' | 'pullRequestTitle' | 'baseRef' | 'headRef'
>;

export function RunRef({ run }: { run: Source }) {
  if (run.pullRequest == null) return <span className="run-ref">{run.ref ?? '—'}</span>;
  return (
    <span className="run-ref" data-testid="pull-request" title={run.pullRequestTitle ?? undefined}>
      <span className="pr">PR #{run.pullRequest}</span> {run.headRef} → {run.baseRef}
    </span>
  );
}

export function CommitLine({ run }: { run: Source }) {
  if (!run.commitSha) return <span className="muted">—</span>;
  return (
    <span className="commit-line">
      <code title={run.commitSha}>{run.commitSha.slice(0, 7)}</code>
      {run.commitMessage && <span className="commit-message"> {run.commitMessage.split('\n')[0]}</span>}
      {run.commitAuthor && <small className="muted"> by {run.commitAuthor}</small>}
    </span>
  );
}

export interface RunGroup<T> {
  /** The pull request's number, or null for runs of branches, tags and manual runs. */
  pullRequest: number | null;
  title: string;
  runs: T[];
}

/** Runs in their order, a pull request's runs gathered into one group where its newest run is. */
export function groupByPullRequest<T extends Source>(runs: T[]): RunGroup<T>[] {
  const groups: RunGroup<T>[] = [];
  const byNumber = new Map<number, RunGroup<T>>();
  for (const run of runs) {
    if (run.pullRequest == null) {
      const last = groups[groups.length - 1];
      if (last && last.pullRequest === null) last.runs.push(run);
      else groups.push({ pullRequest: null, title: '', runs: [run] });
      continue;
    }
    let group = byNumber.get(run.pullRequest);
    if (!group) {
      const title = `Pull request #${run.pullRequest}${run.pullRequestTitle ? `: ${run.pullRequestTitle}` : ''}`;
      group = { pullRequest: run.pullRequest, title, runs: [] };
      byNumber.set(run.pullRequest, group);
      groups.push(group);
    }
    group.runs.push(run);
  }
  return groups;
}
