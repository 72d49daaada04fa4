import { describe, expect, it } from 'vitest';
import { diffLineClass } from './diff';
import { percent } from './percent';

describe('diffLineClass', () => {
  it('tells file headers, hunks, additions, removals and context apart', () => {
    const diff = ['diff --git a/x b/x', '--- a/x', '+++ b/x', '@@ -1,2 +1 @@', '-import os', '+import sys', ' print()'];
    expect(diff.map(diffLineClass)).toEqual(['diff-file', 'diff-file', 'diff-file', 'diff-hunk', 'diff-del', 'diff-add', undefined]);
  });
});

describe('percent', () => {
  it('rounds a confidence to a whole percentage', () => {
    expect(percent(0.956)).toBe('96%');
  });
});
