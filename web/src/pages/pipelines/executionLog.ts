// The log of one execution, job by job: fetched once, then extended by `pipeline_log` events.
// Lines are numbered per job (`n`); a batch that does not follow on from what is held (a gap,
// e.g. events filtered or missed) is filled from GET /executions/{id}/logs?job=&offset=.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useWebSocketListener, useWebSocketService } from '../../hooks/useWebSocket';
import { useApi } from '../../hooks/useSession';
import type { LogLine, LogPage } from '../../services/api.types';

/** Lines kept per job; older ones are dropped (the API still has them all). */
export const MAX_LINES_PER_JOB = 5_000;
const PAGE = 2_000;

export interface JobLogState {
  jobId: string;
  lines: LogLine[];
  /** The next `n` expected: everything below it is held (or was dropped as too old). */
  nextOffset: number;
  dropped: number;
}

export type LogState = Record<string, JobLogState>;

/** Adds lines to a job's log in `n` order, ignoring what it already holds; reports a gap. */
export function mergeLines(job: JobLogState, offset: number, lines: LogLine[]): { job: JobLogState; gap: boolean } {
  if (offset > job.nextOffset) return { job, gap: true };
  const fresh = lines.filter((line) => line.n >= job.nextOffset);
  if (fresh.length === 0) return { job, gap: false };
  const all = [...job.lines, ...fresh];
  const excess = Math.max(0, all.length - MAX_LINES_PER_JOB);
  return {
    job: {
      ...job,
      lines: excess ? all.slice(excess) : all,
      nextOffset: fresh[fresh.length - 1].n + 1,
      dropped: job.dropped + excess,
    },
    gap: false,
  };
}

export const emptyJob = (jobId: string): JobLogState => ({ jobId, lines: [], nextOffset: 0, dropped: 0 });

export function useExecutionLog(executionId: string): { logs: LogState; error: unknown } {
  const api = useApi();
  const service = useWebSocketService();
  const [logs, setLogs] = useState<LogState>({});
  const [error, setError] = useState<unknown>(null);
  const state = useRef<LogState>({});
  const filling = useRef(new Set<string>());

  const apply = useCallback((jobId: string, offset: number, lines: LogLine[]): boolean => {
    const { job, gap } = mergeLines(state.current[jobId] ?? emptyJob(jobId), offset, lines);
    state.current = { ...state.current, [jobId]: job };
    setLogs(state.current);
    return gap;
  }, []);

  const fill = useCallback(
    async (jobId?: string) => {
      const key = jobId ?? '*';
      if (filling.current.has(key)) return;
      filling.current.add(key);
      try {
        for (;;) {
          const offset = jobId ? (state.current[jobId]?.nextOffset ?? 0) : 0;
          const page = await api.get<LogPage>(`/executions/${executionId}/logs`, { job: jobId, offset, limit: PAGE });
          let more = false;
          for (const job of page.jobs) {
            apply(job.jobId, job.offset, job.lines);
            const full = job.lines.length === PAGE;
            if (full && !jobId) void fill(job.jobId); // page that job on by itself
            more ||= full;
          }
          if (!more || !jobId) break;
        }
        setError(null);
      } catch (failure) {
        setError(failure);
      } finally {
        filling.current.delete(key);
      }
    },
    [api, executionId, apply],
  );

  // Fetch at first and after every (re)authentication: lines may have been missed meanwhile.
  const [authentications, setAuthentications] = useState(service.getState().authentications);
  useEffect(() => service.onState(() => setAuthentications(service.getState().authentications)), [service]);
  useEffect(() => {
    void fill();
  }, [fill, authentications]);

  useWebSocketListener('pipeline_log', (event) => {
    const { executionId: id, jobId, offset, lines } = event.data;
    if (id !== executionId) return;
    if (apply(jobId, offset, lines as LogLine[])) void fill(jobId);
  });

  return { logs, error };
}
