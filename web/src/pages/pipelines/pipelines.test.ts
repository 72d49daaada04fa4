import { describe, expect, it } from 'vitest';
import { Text } from '@codemirror/state';
import { changedLines } from './PipelinePage';
import { diagnostics } from './YamlEditor';
import { errorLines } from './DefinitionEditor';

describe('pipeline definitions', () => {
  it('finds the lines a validation message names', () => {
    expect(errorLines("invalid pipeline definition:\nline 3: unknown key\nline 2: missing 'steps'; line 3: again.")).toEqual([2, 3]);
    expect(errorLines('A pipeline named ci exists.')).toEqual([]);
    expect(errorLines(null)).toEqual([]);
  });

  it('marks each problem from its column to the end of its line, never outside the text', () => {
    const doc = Text.of(['jobs:', '  a:', '    stepz: []']);
    const problem = (line: number, column: number) => ({ line, column, path: 'jobs.a.stepz', message: "unknown key 'stepz'" });
    const [typo, beyond, before] = diagnostics(doc, [problem(3, 5), problem(9, 1), problem(0, 99)]);
    expect(doc.sliceString(typo.from, typo.to)).toBe('stepz: []');
    expect([typo.severity, typo.source, typo.message]).toEqual(['error', 'jobs.a.stepz', "unknown key 'stepz'"]);
    expect(doc.lineAt(beyond.from).number).toBe(3);
    expect([before.from, before.to]).toEqual([5, 5]);
  });

  it('counts the lines a change touched', () => {
    expect(changedLines('a\nb\nc', 'a\nB\nc')).toBe(2);
    expect(changedLines('a\nb', 'a\nb\nc')).toBe(1);
    expect(changedLines('same', 'same')).toBe(0);
  });
});
