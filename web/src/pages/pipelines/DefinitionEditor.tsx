// A YAML definition: read-only with line numbers, or in the editor, checked by the server as you
// type (POST /projects/{id}/pipelines/validate) with each problem marked at its line, listed
// below (a click puts the cursor there) and, while valid, the job graph it defines.
import { lazy, Suspense, useState } from 'react';
import { JobGraph } from '../../components/JobGraph';
import type { DefinitionCheck, DefinitionProblem, JobNode } from '../../services/api.types';

const YamlEditor = lazy(() => import('./YamlEditor'));

/** The 1-based lines a validation message points at ("line 3: ..."), in order. */
export function errorLines(message: string | null | undefined): number[] {
  return [...new Set([...(message ?? '').matchAll(/\bline (\d+)\b/g)].map((match) => Number(match[1])))].sort((a, b) => a - b);
}

/** The text with line numbers (`#D3` links a line); `marked` lines are shown as wrong. */
export function DefinitionView({ text, marked = [] }: { text: string; marked?: number[] }) {
  const lines = text.replace(/\n$/, '').split('\n');
  return (
    <pre className="definition" aria-label="definition">
      {lines.map((line, index) => (
        <div key={index} className={marked.includes(index + 1) ? 'def-line bad' : 'def-line'} id={`D${index + 1}`}>
          <span className="n" data-n={index + 1} />
          <span className="text">{line || ' '}</span>
        </div>
      ))}
    </pre>
  );
}

/** What the server said of the text being edited: `result` may be of an older text while `checking`. */
export interface CheckState {
  result: DefinitionCheck | undefined;
  checking: boolean;
  error: unknown;
}

/** The job graph of a definition, for drawing (matrix jobs say which axes they expand over). */
export function graphNodes(jobs: JobNode[]) {
  return jobs.map((job) => ({ ...job, detail: job.matrix.length ? `matrix: ${job.matrix.join(', ')}` : undefined }));
}

export function DefinitionEditor({ value, onChange, check }: { value: string; onChange: (text: string) => void; check: CheckState }) {
  const [goTo, setGoTo] = useState<{ line: number; column: number } | null>(null);
  const problems = check.result?.problems ?? [];
  return (
    <div className="definition-editor stack">
      <Suspense fallback={<p className="muted">Loading the editor…</p>}>
        <YamlEditor value={value} onChange={onChange} problems={problems} goTo={goTo} />
      </Suspense>
      <CheckSummary value={value} check={check} />
      {problems.length > 0 && (
        <ul className="problems" aria-label="problems">
          {problems.map((problem, index) => (
            <li key={index} data-line={problem.line}>
              <button type="button" className="link" onClick={() => setGoTo({ line: problem.line, column: problem.column })}>
                Line {problem.line}:{problem.column}
              </button>{' '}
              <ProblemText problem={problem} />
            </li>
          ))}
        </ul>
      )}
      {check.result?.graph && <JobGraph label="job graph preview" jobs={graphNodes(check.result.graph.jobs)} />}
    </div>
  );
}

function ProblemText({ problem }: { problem: DefinitionProblem }) {
  return (
    <span>
      {problem.path && <code>{problem.path}</code>} {problem.message}
    </span>
  );
}

function CheckSummary({ value, check }: { value: string; check: CheckState }) {
  let text: string;
  let className = 'check-summary muted';
  if (!value.trim()) text = 'The definition is empty.';
  else if (check.error) {
    text = check.error instanceof Error ? check.error.message : String(check.error);
    className = 'check-summary error';
  } else if (!check.result) text = 'Checking…';
  else if (check.result.valid) {
    const jobs = check.result.graph?.jobs.length ?? 0;
    text = `Valid: ${jobs} job${jobs === 1 ? '' : 's'}${check.checking ? ' (checking…)' : ''}`;
    className = 'check-summary ok';
  } else {
    const count = check.result.problems.length;
    text = `${count} problem${count === 1 ? '' : 's'}${check.checking ? ' (checking…)' : ''}`;
    className = 'check-summary error';
  }
  return (
    <p className={className} role="status" aria-live="polite" data-testid="definition-check">
      {text}
    </p>
  );
}
