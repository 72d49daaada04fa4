import { describe, expect, it } from 'vitest';
import type { PipelineInput } from '../../services/api.types';
import { initialValues, inputProblems, runBody } from './runInputs';

const input = (name: string, type: PipelineInput['type'], extra: Partial<PipelineInput> = {}): PipelineInput => ({
  name, type, description: null, required: false, default: null, options: [], ...extra,
});

const INPUTS = [
  input('target', 'choice', { options: ['staging', 'production'], required: true }),
  input('dry', 'boolean', { default: true }),
  input('replicas', 'number', { default: 2 }),
  input('note', 'string'),
  input('ticket', 'string', { required: true }),
];

describe('the run form', () => {
  it('starts from the defaults (a required choice from its first option)', () => {
    expect(initialValues(INPUTS)).toEqual({ target: 'staging', dry: true, replicas: '2', note: '', ticket: '' });
  });

  it('says what is wrong with each field', () => {
    const values = { ...initialValues(INPUTS), replicas: 'many', target: 'moon' };
    expect(inputProblems(INPUTS, values)).toEqual({
      target: 'Must be one of staging, production.',
      replicas: 'Must be a number.',
      ticket: 'Required.',
    });
    expect(inputProblems(INPUTS, { ...initialValues(INPUTS), ticket: 'OPS-1' })).toEqual({});
  });

  it('sends typed values and leaves empty fields to their defaults', () => {
    const values = { ...initialValues(INPUTS), ticket: 'OPS-1', replicas: '3.5' };
    expect(runBody(INPUTS, values, ' main ')).toEqual({
      ref: 'main',
      inputs: { target: 'staging', dry: true, replicas: 3.5, ticket: 'OPS-1' },
    });
    expect(runBody(INPUTS, { ...values, dry: false }, '').inputs.dry).toBe(false);
    expect('ref' in runBody(INPUTS, values, '')).toBe(false);
  });
});
