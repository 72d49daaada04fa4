// The values of a manual run's form: what each typed input starts as, what is wrong with the
// values entered (the server checks again), and the body sent to POST /pipelines/{id}/executions.
import type { PipelineInput } from '../../services/api.types';

export type InputValues = Record<string, string | boolean>;

export function initialValues(inputs: PipelineInput[]): InputValues {
  return Object.fromEntries(
    inputs.map((input) => {
      if (input.type === 'boolean') return [input.name, input.default === true || input.default === 'true'];
      if (input.default !== null && input.default !== undefined) return [input.name, String(input.default)];
      return [input.name, input.type === 'choice' && input.required ? input.options[0] ?? '' : ''];
    }),
  );
}

/** Each input's problem, in words; none for inputs that are fine. */
export function inputProblems(inputs: PipelineInput[], values: InputValues): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const input of inputs) {
    const value = values[input.name];
    if (input.type === 'boolean' || typeof value !== 'string') continue;
    const text = value.trim();
    if (!text) {
      if (input.required && (input.default === null || input.default === undefined)) problems[input.name] = 'Required.';
    } else if (input.type === 'number' && !Number.isFinite(Number(text))) {
      problems[input.name] = 'Must be a number.';
    } else if (input.type === 'choice' && !input.options.includes(value)) {
      problems[input.name] = `Must be one of ${input.options.join(', ')}.`;
    } else if (value.length > 10_000) {
      problems[input.name] = 'At most 10,000 characters.';
    }
  }
  return problems;
}

/** The request body: booleans as booleans, numbers as numbers, empty fields left to their default. */
export function runBody(inputs: PipelineInput[], values: InputValues, ref: string): { ref?: string; inputs: Record<string, string | number | boolean> } {
  const given: Record<string, string | number | boolean> = {};
  for (const input of inputs) {
    const value = values[input.name];
    if (typeof value === 'boolean') given[input.name] = value;
    else if (value !== undefined && value.trim() !== '') given[input.name] = input.type === 'number' ? Number(value) : value;
  }
  return { ...(ref.trim() ? { ref: ref.trim() } : {}), inputs: given };
}
