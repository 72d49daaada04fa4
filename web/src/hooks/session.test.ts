import { describe, expect, it } from 'vitest';
import { sentence } from '../services/api';
import { renewalDelay } from './useSession';

describe('the session', () => {
  it('renews a minute before an hour-long token ends, and a quarter before a short one', () => {
    const now = 1_000_000;
    expect(renewalDelay(now + 3_600_000, 3_600_000, now)).toBe(3_540_000);
    expect(renewalDelay(now + 60_000, 60_000, now)).toBe(45_000);
    expect(renewalDelay(now - 5, 60_000, now)).toBe(0);
  });

  it('shows errors as sentences', () => {
    expect(sentence(409, "a pipeline named 'ci' exists in this project")).toBe("A pipeline named 'ci' exists in this project.");
    expect(sentence(401, 'The username or password is wrong.')).toBe('The username or password is wrong.');
    expect(sentence(404, '')).toBe('This was not found, or you do not have access to it.');
    expect(sentence(502, '')).toBe('The server failed to do this. Try again later.');
  });
});
