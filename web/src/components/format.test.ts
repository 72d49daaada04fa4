import { describe, expect, it } from 'vitest';
import type { FeedEvent } from '../services/websocket.service';
import { formatDuration, summarize } from './format';

const envelope = (event_type: string, category: string, data: object) =>
  ({ id: 'x', seq: 1, event_type, category, priority: 'LOW', timestamp: '', project_id: null, data }) as unknown as FeedEvent;

describe('format', () => {
  it('summarizes events by category', () => {
    expect(summarize(envelope('system_alert', 'SYSTEM', { alertId: 'a', alert: { title: 'disk', severity: 'critical', status: 'open' } }))).toBe(
      'critical: disk (open)',
    );
    expect(
      summarize(envelope('pipeline_execution_completed', 'PIPELINE', { execution: { number: 3, status: 'failed' } })),
    ).toBe('execution #3 failed');
    expect(summarize(envelope('pipeline_log', 'PIPELINE', { lines: [{}, {}] }))).toBe('2 log line(s)');
    expect(summarize(envelope('user_notification', 'USER', { notification: { title: 'hi' } }))).toBe('hi');
  });

  it('formats durations', () => {
    expect(formatDuration('2024-01-01T00:00:00Z', '2024-01-01T00:01:05Z')).toBe('1m 5s');
    expect(formatDuration(null, null)).toBe('—');
  });
});
