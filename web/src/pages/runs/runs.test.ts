import { describe, expect, it } from 'vitest';
import type { Job, LogLine } from '../../services/api.types';
import { layout, stages } from '../../components/jobGraph';
import { lineFromHash } from './JobLog';
import { shownJob } from './RunPage';
import { failuresFirst } from './TestResults';
import { appendLive, appendPage, newSection, prependPage } from './stepLog';

const line = (n: number, step: number | null = 0): LogLine => ({ n, ts: '2026-01-01T00:00:00Z', step, text: `line ${n}`, origin: 'step' });
const job = (key: string, needs: string[] = [], status: Job['status'] = 'success'): Job =>
  ({
  id: key, key, name: key, status, needs, attempt: 1, runner: null, exitCode: null, error: null, waitReason: null, logLines: 0,
  startedAt: null, finishedAt: null, steps: [], outputs: {}, caches: null, tests: null, environment: null, approval: null,
  }) as Job;

describe('a step section', () => {
  it('pages forward and knows when it has caught up', () => {
    let section = appendPage(newSection(0), [line(0), line(1)], 2);
    expect(section.next).toBe(2);
    expect(section.caughtUp).toBe(false);
    section = appendPage(section, [line(1), line(2)], 2 + 1);
    expect(section.lines.map((l) => l.n)).toEqual([0, 1, 2]);
    expect(section.caughtUp).toBe(true);
  });

  it('takes live lines of its step once caught up, and reports a gap instead of skipping lines', () => {
    const section = appendPage(newSection(0), [line(0)], 10);
    const live = appendLive(section, 0, [line(1), line(2, 1)]);
    expect(live.gap).toBe(false);
    expect(live.section.lines.map((l) => l.n)).toEqual([0, 1]);
    expect(appendLive(live.section, 0, [line(5)]).gap).toBe(true);
    expect(appendLive(newSection(0), 0, [line(0)]).gap).toBe(true); // not caught up: paging brings it
  });

  it('loads earlier lines and finds where the step starts', () => {
    const section = appendPage(newSection(300), [line(300)], 10);
    expect(section.atStart).toBe(false);
    const partial = prependPage(section, 0, [line(120), line(299), line(300)]);
    expect(partial.lines.map((l) => l.n)).toEqual([120, 299, 300]);
    expect(partial.atStart).toBe(true);
  });
});

describe('the run page', () => {
  it('reads line links', () => {
    expect(lineFromHash('#L120')).toBe(119);
    expect(lineFromHash('#L0')).toBeNull();
    expect(lineFromHash('#top')).toBeNull();
  });

  it('lays jobs out in stages after what they need', () => {
    const jobs = [job('lint'), job('test'), job('deploy', ['build']), job('build', ['lint', 'test'])];
    expect(stages(jobs).map((column) => column.map((j) => j.key))).toEqual([['lint', 'test'], ['build'], ['deploy']]);
  });

  it('draws each job once with an edge per need, rows following what they need', () => {
    const jobs = [job('a'), job('b'), job('after-b', ['b']), job('after-a', ['a']), job('end', ['after-a', 'after-b'])];
    const drawn = layout(jobs);
    const at = Object.fromEntries(drawn.nodes.map((p) => [p.node.key, [p.column, p.row]]));
    expect(at).toEqual({ a: [0, 0], b: [0, 1], 'after-a': [1, 0], 'after-b': [1, 1], end: [2, 0] });
    expect(drawn.edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual(['a->after-a', 'after-a->end', 'after-b->end', 'b->after-b']);
    expect(drawn.width).toBeGreaterThan(drawn.height);
    expect(layout([]).nodes).toEqual([]);
  });

  it('shows the asked-for job, else the failing one', () => {
    const jobs = [job('a'), job('b', [], 'failed'), job('c', [], 'running')];
    expect(shownJob(jobs, 'c')?.key).toBe('c');
    expect(shownJob(jobs, null)?.key).toBe('b');
    expect(shownJob(jobs, 'nope')?.key).toBe('b');
  });

  it('lists failed tests first, the slowest first within each status', () => {
    const test = (name: string, status: string, duration: number) => ({ jobId: 'j', suite: 's', classname: 'c', name, status, duration, message: null });
    const sorted = failuresFirst([test('ok', 'passed', 9), test('skip', 'skipped', 0), test('slow-fail', 'failed', 3), test('fail', 'failed', 1)]);
    expect(sorted.map((t) => t.name)).toEqual(['slow-fail', 'fail', 'skip', 'ok']);
  });
});
