// Why a failed run failed: the failing job's last lines, classified by POST /debug/classify
// (the shipped model), shown as the likely cause, its confidence and the error lines found.
import { useQuery } from '@tanstack/react-query';
import { Card, ErrorText } from '../../components/ui';
import { useApi } from '../../hooks/useSession';
import type { Classification, Execution, LogPage } from '../../services/api.types';
import { FAILED_ON_ITS_OWN_STATUSES, FAILING_STATUSES } from '../../services/events.generated';

const TAIL = 400;

export function Diagnosis({ run }: { run: Execution }) {
  const api = useApi();
  const job = run.jobs.find((j) => FAILED_ON_ITS_OWN_STATUSES.has(j.status));
  const diagnosis = useQuery({
    queryKey: ['diagnosis', run.id, run.attempt, job?.id, job?.logLines],
    enabled: Boolean(job) && FAILING_STATUSES.has(run.status),
    staleTime: Infinity,
    queryFn: async () => {
      const offset = Math.max(0, (job?.logLines ?? 0) - TAIL);
      const page = await api.get<LogPage>(`/executions/${run.id}/logs`, { job: job?.id, offset, limit: TAIL });
      const lines = page.jobs[0]?.lines ?? [];
      const result = await api.post<Classification>('/debug/classify', { log: lines.map((line) => line.text).join('\n') });
      return { result, lines };
    },
  });
  if (!job || !FAILING_STATUSES.has(run.status)) return null;
  const found = diagnosis.data;
  const lineOf = (message: string) => found?.lines.find((line) => line.text.includes(message.slice(0, 60)));
  return (
    <Card title={`Why ${job.name} failed`}>
      <div data-testid="diagnosis" className="diagnosis">
        <ErrorText error={diagnosis.error} />
        {diagnosis.isPending && <p className="muted">Diagnosing…</p>}
        {found && (
          <>
            <p>
              Likely cause: <strong>{found.result.label ? found.result.label.replaceAll('_', ' ') : 'unknown'}</strong>{' '}
              <span className="muted">({Math.round(found.result.confidence * 100)}% confidence)</span>
            </p>
            {found.result.errors.length === 0 ? (
              <p className="muted">No error line was recognised in the last {TAIL} lines.</p>
            ) : (
              <ul className="error-lines" aria-label="error lines">
                {found.result.errors.map((error, index) => {
                  const line = lineOf(error.message);
                  return (
                    <li key={index}>
                      {line && (
                        <a href={`?job=${encodeURIComponent(job.key)}#L${line.n + 1}`}>L{line.n + 1}</a>
                      )}{' '}
                      <code>{error.message}</code>
                      {error.file && (
                        <small>
                          {' '}
                          {error.file}
                          {error.line !== null && `:${error.line}`}
                        </small>
                      )}
                    </li>
                  );
                })}
              </ul>
            )}
          </>
        )}
      </div>
    </Card>
  );
}
