// A feed's rows: every update of one run folds into a single row (its newest), so a busy run
// is one line that links to it instead of a stream of identical ones.
import type { FeedEvent } from '../services/websocket.service';

export interface FeedRow {
  key: string;
  /** The newest event of the row. */
  event: FeedEvent;
  executionId: string | null;
  /** How many events the row stands for. */
  count: number;
}

function executionOf(event: FeedEvent): string | null {
  const id = (event.data as unknown as { executionId?: unknown }).executionId;
  return event.event_type.startsWith('pipeline_execution_') && typeof id === 'string' ? id : null;
}

/** Rows newest first, from events in any order. */
export function groupFeed(events: FeedEvent[]): FeedRow[] {
  const rows: FeedRow[] = [];
  const byExecution = new Map<string, FeedRow>();
  for (const event of [...events].sort((a, b) => b.seq - a.seq)) {
    const executionId = executionOf(event);
    const row = executionId ? byExecution.get(executionId) : undefined;
    if (row) {
      row.count += 1;
      continue;
    }
    const fresh = { key: executionId ? `run:${executionId}` : `seq:${event.seq}`, event, executionId, count: 1 };
    if (executionId) byExecution.set(executionId, fresh);
    rows.push(fresh);
  }
  return rows;
}
