import { describe, expect, it } from 'vitest';
import { groupByPullRequest } from './RunSource';

const run = (id: string, pullRequest: number | null = null) => ({
  id,
  ref: pullRequest ? `refs/pull/${pullRequest}/head` : 'main',
  commitSha: null,
  commitMessage: null,
  commitAuthor: null,
  pullRequest,
  pullRequestTitle: pullRequest ? `Change ${pullRequest}` : null,
  baseRef: pullRequest ? 'main' : null,
  headRef: pullRequest ? `topic-${pullRequest}` : null,
});

describe('groupByPullRequest', () => {
  it('gathers a pull request’s runs where its newest run is and keeps the others in order', () => {
    const groups = groupByPullRequest([run('a', 7), run('b'), run('c', 8), run('d', 7), run('e'), run('f')]);
    expect(groups.map((g) => [g.pullRequest, g.runs.map((r) => r.id)])).toEqual([
      [7, ['a', 'd']],
      [null, ['b']],
      [8, ['c']],
      [null, ['e', 'f']],
    ]);
    expect(groups[0].title).toBe('Pull request #7: Change 7');
  });
});
