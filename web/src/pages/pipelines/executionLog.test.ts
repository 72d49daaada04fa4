import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../services/api.types';
import { MAX_LINES_PER_JOB, emptyJob, mergeLines } from './executionLog';

const lines = (from: number, count: number): LogLine[] =>
  Array.from({ length: count }, (_, i) => ({ n: from + i, ts: '', step: 0, text: `line ${from + i}` }));

describe('mergeLines', () => {
  it('appends a batch that follows on, and ignores lines already held', () => {
    let { job } = mergeLines(emptyJob('j'), 0, lines(0, 3));
    ({ job } = mergeLines(job, 1, lines(1, 4)));
    expect(job.lines.map((l) => l.n)).toEqual([0, 1, 2, 3, 4]);
    expect(job.nextOffset).toBe(5);
  });

  it('reports a gap and keeps what it had', () => {
    const { job } = mergeLines(emptyJob('j'), 0, lines(0, 2));
    const result = mergeLines(job, 5, lines(5, 2));
    expect(result.gap).toBe(true);
    expect(result.job).toBe(job);
  });

  it('keeps at most MAX_LINES_PER_JOB lines', () => {
    const { job } = mergeLines(emptyJob('j'), 0, lines(0, MAX_LINES_PER_JOB + 10));
    expect(job.lines).toHaveLength(MAX_LINES_PER_JOB);
    expect(job.lines[0].n).toBe(10);
    expect(job.dropped).toBe(10);
  });
});
