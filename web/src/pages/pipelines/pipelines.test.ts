import { describe, expect, it } from 'vitest';
import { errorLines } from './DefinitionEditor';
import { changedLines } from './PipelinePage';

describe('pipeline definitions', () => {
  it('finds the lines a validation message names', () => {
    expect(errorLines("Invalid pipeline definition: line 3: unknown key\nline 2: missing 'steps'; line 3: again.")).toEqual([2, 3]);
    expect(errorLines('A pipeline named ci exists.')).toEqual([]);
    expect(errorLines(null)).toEqual([]);
  });

  it('counts the lines a change touched', () => {
    expect(changedLines('a\nb\nc', 'a\nB\nc')).toBe(2);
    expect(changedLines('a\nb', 'a\nb\nc')).toBe(1);
    expect(changedLines('same', 'same')).toBe(0);
  });
});
