// One step's section of a job log, fetched in pages as it is scrolled (no cap on what is held)
// and extended live by `pipeline_log` events once it has caught up with what the server has.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useWebSocketListener } from '../../hooks/useWebSocket';
import { useApi } from '../../hooks/useSession';
import type { LogLine, LogPage } from '../../services/api.types';

export const PAGE = 500;

export interface Section {
  lines: LogLine[];
  /** The first line number asked for: earlier lines of the step may exist unless `atStart`. */
  from: number;
  /** The next line number to ask for. */
  next: number;
  atStart: boolean;
  /** The last page came back short: what follows arrives live. */
  caughtUp: boolean;
}

export const newSection = (from: number): Section => ({ lines: [], from, next: from, atStart: from === 0, caughtUp: false });

/** Lines fetched from `section.next` on (at most `limit` were asked for). */
export function appendPage(section: Section, lines: LogLine[], limit: number): Section {
  const fresh = lines.filter((line) => line.n >= section.next);
  const next = fresh.length ? fresh[fresh.length - 1].n + 1 : section.next;
  return { ...section, lines: [...section.lines, ...fresh], next, caughtUp: lines.length < limit };
}

/** Lines fetched from `start` (before `section.from`): the step starts there if the range was not all its own. */
export function prependPage(section: Section, start: number, lines: LogLine[]): Section {
  const earlier = lines.filter((line) => line.n < section.from);
  const atStart = start === 0 || earlier.length < section.from - start;
  return { ...section, lines: [...earlier, ...section.lines], from: start, atStart };
}

/** A live batch: the step's new lines, or `gap` when some were missed (then fetch instead). */
export function appendLive(section: Section, step: number, lines: LogLine[]): { section: Section; gap: boolean } {
  const fresh = lines.filter((line) => line.step === step && line.n >= section.next);
  if (fresh.length === 0) return { section, gap: false };
  if (!section.caughtUp || fresh[0].n > section.next) return { section, gap: true };
  return { section: { ...section, lines: [...section.lines, ...fresh], next: fresh[fresh.length - 1].n + 1 }, gap: false };
}

export function useStepLog(executionId: string, jobId: string, step: number, from: number) {
  const api = useApi();
  const [section, setSection] = useState(() => newSection(from));
  const [error, setError] = useState<unknown>(null);
  const current = useRef(section);
  const busy = useRef(false);
  const update = useCallback((next: Section) => {
    current.current = next;
    setSection(next);
  }, []);

  const fetchLines = useCallback(
    (offset: number) =>
      api.get<LogPage>(`/executions/${executionId}/logs`, { job: jobId, step, offset, limit: PAGE }).then((page) => page.jobs[0]?.lines ?? []),
    [api, executionId, jobId, step],
  );

  const loadMore = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      update(appendPage(current.current, await fetchLines(current.current.next), PAGE));
      setError(null);
    } catch (failure) {
      setError(failure);
    } finally {
      busy.current = false;
    }
  }, [fetchLines, update]);

  const loadEarlier = useCallback(async () => {
    const start = Math.max(0, current.current.from - PAGE);
    try {
      update(prependPage(current.current, start, await fetchLines(start)));
    } catch (failure) {
      setError(failure);
    }
  }, [fetchLines, update]);

  useEffect(() => {
    void loadMore();
  }, [loadMore]);

  useWebSocketListener('pipeline_log', (event) => {
    if (event.data.executionId !== executionId || event.data.jobId !== jobId) return;
    const { section: next, gap } = appendLive(current.current, step, event.data.lines as LogLine[]);
    if (gap) {
      if (current.current.caughtUp) void loadMore();
    } else if (next !== current.current) update(next);
  });

  return { section, error, loadMore, loadEarlier };
}
