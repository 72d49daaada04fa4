// "Run pipeline": starts a run and opens it. A pipeline with manual inputs first asks for them in
// a form (a field per typed input, the ref to run at), checked here and again by the server.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ErrorText } from '../../components/ui';
import { useApi } from '../../hooks/useSession';
import type { Pipeline, PipelineInput, PipelineInputs } from '../../services/api.types';
import { useExecutionAction } from './queries';
import { initialValues, inputProblems, runBody, type InputValues } from './runInputs';

/** `pipeline.error` (a repository file that does not validate on the default branch): no form, the
 * run itself says what is wrong at the commit it runs. */
export function RunPipeline({ pipeline }: { pipeline: Pick<Pipeline, 'id' | 'name' | 'error'> }) {
  const { id: pipelineId, name: pipelineName } = pipeline;
  const api = useApi();
  const navigate = useNavigate();
  const action = useExecutionAction();
  const [asking, setAsking] = useState(false);
  const inputs = useQuery({
    queryKey: ['pipeline-inputs', pipelineId],
    queryFn: () => api.get<PipelineInputs>(`/pipelines/${pipelineId}/inputs`),
    enabled: !pipeline.error,
  });
  const start = (body: ReturnType<typeof runBody> | Record<string, never> = {}) =>
    action.mutate({ action: 'start', id: pipelineId, body }, { onSuccess: (r) => navigate(`/executions/${r.executionId}`) });
  const fields = inputs.data?.inputs ?? [];
  return (
    <>
      <button
        type="button"
        disabled={action.isPending || (inputs.isPending && !pipeline.error)}
        onClick={() => (fields.length ? setAsking(true) : start())}
      >
        Run pipeline{fields.length ? '…' : ''}
      </button>
      {!asking && <ErrorText error={action.error ?? inputs.error} />}
      {asking && (
        <RunForm
          name={pipelineName}
          inputs={fields}
          pending={action.isPending}
          error={action.error}
          onRun={start}
          onClose={() => {
            setAsking(false);
            action.reset();
          }}
        />
      )}
    </>
  );
}

function RunForm({
  name,
  inputs,
  pending,
  error,
  onRun,
  onClose,
}: {
  name: string;
  inputs: PipelineInput[];
  pending: boolean;
  error: unknown;
  onRun: (body: ReturnType<typeof runBody>) => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [values, setValues] = useState<InputValues>(() => initialValues(inputs));
  const [ref, setRef] = useState('');
  const [tried, setTried] = useState(false);
  const problems = inputProblems(inputs, values);
  const shown = tried ? problems : {};

  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(problems).length === 0) onRun(runBody(inputs, values, ref));
  };
  const set = (key: string, value: string | boolean) => setValues((previous) => ({ ...previous, [key]: value }));
  return (
    <dialog ref={dialog} className="run-form" aria-label={`run ${name}`} onCancel={onClose}>
      <form className="stack" onSubmit={submit} noValidate>
        <h2>Run {name}</h2>
        <label>
          Branch, tag or commit
          <input name="ref" value={ref} onChange={(event) => setRef(event.target.value)} placeholder="the project's default branch" />
        </label>
        {inputs.map((input) => (
          <InputField key={input.name} input={input} value={values[input.name]} problem={shown[input.name]} onChange={(value) => set(input.name, value)} />
        ))}
        <ErrorText error={error} />
        <div className="actions">
          <button type="submit" disabled={pending}>
            Run
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

function InputField({ input, value, problem, onChange }: { input: PipelineInput; value: string | boolean | undefined; problem: string | undefined; onChange: (value: string | boolean) => void }) {
  const id = `input-${input.name}`;
  const described = problem ? `${id}-problem` : undefined;
  const title = (
    <span>
      {input.name}
      {input.required && <span className="required" aria-hidden="true"> *</span>}
      {input.description && <small className="muted"> {input.description}</small>}
    </span>
  );
  if (input.type === 'boolean') {
    return (
      <label className="check">
        <input type="checkbox" name={input.name} checked={value === true} onChange={(event) => onChange(event.target.checked)} />
        {title}
      </label>
    );
  }
  const text = typeof value === 'string' ? value : '';
  return (
    <label data-input={input.name}>
      {title}
      {input.type === 'choice' ? (
        <select name={input.name} value={text} onChange={(event) => onChange(event.target.value)} aria-invalid={Boolean(problem)} aria-describedby={described} required={input.required}>
          {!input.required && <option value="">(default)</option>}
          {input.options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      ) : (
        <input
          name={input.name}
          type={input.type === 'number' ? 'number' : 'text'}
          step={input.type === 'number' ? 'any' : undefined}
          value={text}
          required={input.required}
          aria-invalid={Boolean(problem)}
          aria-describedby={described}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
      {problem && (
        <small className="error" id={described}>
          {problem}
        </small>
      )}
    </label>
  );
}
