// Jobs of a protected environment waiting for a maintainer (docs/pipelines.md, Environments and
// approvals): what waits and where it would deploy; Approve / Reject with an optional comment for
// those who may decide; the decisions already taken on this run.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge, Card, ErrorText } from '../../components/ui';
import { useApi } from '../../hooks/useSession';
import type { Execution, Job } from '../../services/api.types';
import { queryKeys } from '../../services/liveCache';

type Decision = 'approve' | 'reject';

function useApprovalDecision(executionId: string) {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: ({ decision, comment }: { decision: Decision; comment: string }) =>
      api.post<Execution>(`/executions/${executionId}/${decision}`, { comment: comment.trim() || null }),
    onSuccess: (execution) => queries.setQueryData(queryKeys.execution(executionId), execution),
  });
}

function Environment({ job }: { job: Job }) {
  if (!job.environment) return null;
  const { name, url } = job.environment;
  return (
    <>
      {' → '}
      <strong>{name}</strong>
      {url && (
        <>
          {' '}
          <a href={url} target="_blank" rel="noreferrer noopener">
            {url}
          </a>
        </>
      )}
    </>
  );
}

export function Approval({ run, canDecide }: { run: Execution; canDecide: boolean }) {
  const decide = useApprovalDecision(run.id);
  const [comment, setComment] = useState('');
  const waiting = run.jobs.filter((job) => job.status === 'waiting');
  const decided = run.jobs.filter((job) => job.approval && job.status !== 'waiting');
  if (waiting.length === 0 && decided.length === 0) return null;
  const send = (decision: Decision) => decide.mutate({ decision, comment }, { onSuccess: () => setComment('') });
  return (
    <Card title={waiting.length ? 'Waiting for approval' : 'Approvals'}>
      <div className="approval" data-testid="approval">
        {waiting.length > 0 && (
          <ul aria-label="jobs waiting for approval">
            {waiting.map((job) => (
              <li key={job.id} data-job={job.key}>
                <Badge value={job.status} /> {job.name}
                <Environment job={job} />
                {job.waitReason && <div className="muted">{job.waitReason}</div>}
              </li>
            ))}
          </ul>
        )}
        {waiting.length > 0 &&
          (canDecide ? (
            <div className="actions">
              <input aria-label="approval comment" placeholder="Comment (optional)" maxLength={1000} value={comment} onChange={(e) => setComment(e.target.value)} />
              <button type="button" disabled={decide.isPending} onClick={() => send('approve')}>
                Approve
              </button>
              <button type="button" disabled={decide.isPending} onClick={() => send('reject')}>
                Reject
              </button>
            </div>
          ) : (
            <p className="muted">A maintainer of the project approves or rejects it.</p>
          ))}
        <ErrorText error={decide.error} />
        {decided.length > 0 && (
          <ul aria-label="approval decisions">
            {decided.map((job) => (
              <li key={job.id} data-job={job.key}>
                {job.name}
                <Environment job={job} />: {job.approval?.decision} by {job.approval?.username}
                {job.approval?.comment && <span className="muted"> — {job.approval.comment}</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
    </Card>
  );
}
