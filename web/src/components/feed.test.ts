import { describe, expect, it } from 'vitest';
import type { FeedEvent } from '../services/websocket.service';
import { groupFeed } from './feed';

const event = (seq: number, event_type: string, data: Record<string, unknown>) =>
  ({ seq, event_type, data, category: 'PIPELINE', priority: 'LOW', timestamp: '2026-01-01T00:00:00Z' }) as unknown as FeedEvent;

describe('the feed', () => {
  it('folds every update of a run into one row, its newest, and keeps other events as they are', () => {
    const rows = groupFeed([
      event(1, 'pipeline_execution_started', { executionId: 'a' }),
      event(2, 'pipeline_created', { pipelineId: 'p' }),
      event(3, 'pipeline_execution_updated', { executionId: 'a' }),
      event(4, 'pipeline_execution_started', { executionId: 'b' }),
      event(5, 'pipeline_execution_completed', { executionId: 'a' }),
    ]);
    expect(rows.map((row) => [row.event.seq, row.executionId, row.count])).toEqual([
      [5, 'a', 3],
      [4, 'b', 1],
      [2, null, 1],
    ]);
  });
});
