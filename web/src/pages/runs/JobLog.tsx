// A job's log, GitHub-style: one collapsible section per step with its status and duration (the
// failing or running step open), lines paged in as they scroll into view, line links (#L120),
// a search over the whole log and a raw download. Line numbers are drawn by CSS, so copying
// takes only the text.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { Badge, ErrorText } from '../../components/ui';
import { formatDuration } from '../../components/format';
import { useApi } from '../../hooks/useSession';
import type { Job, LogLine, LogPage, Step } from '../../services/api.types';
import { FAILING_STATUSES } from '../../services/events.generated';
import { useStepLog } from './stepLog';

/** The line a `#L120` link points at (0-based `n`), or null. */
export function lineFromHash(hash: string): number | null {
  const match = /^#L(\d+)$/.exec(hash);
  return match && Number(match[1]) > 0 ? Number(match[1]) - 1 : null;
}

const BEFORE_TARGET = 100;

function defaultOpen(job: Job): Set<number> {
  const failing = job.steps.filter((step) => FAILING_STATUSES.has(step.status)).map((step) => step.index);
  if (failing.length) return new Set(failing);
  const running = job.steps.find((step) => step.status === 'running');
  return new Set(running ? [running.index] : []);
}

export function JobLog({ executionId, job }: { executionId: string; job: Job }) {
  const api = useApi();
  const { hash } = useLocation();
  const target = lineFromHash(hash);
  const [open, setOpen] = useState(() => defaultOpen(job));
  const [starts, setStarts] = useState<Record<number, number>>({});
  const [jumpError, setJumpError] = useState<unknown>(null);
  // A step that fails, or starts running, while watched opens by itself (state adjusted while
  // rendering, as React advises for state that follows props).
  const wanted = [...defaultOpen(job)].join(',');
  const [seenWanted, setSeenWanted] = useState(wanted);
  if (wanted !== seenWanted) {
    setSeenWanted(wanted);
    if (wanted) setOpen((previous) => new Set([...previous, ...wanted.split(',').map(Number)]));
  }

  // A line link opens its step at that line.
  useEffect(() => {
    if (target === null) return;
    let live = true;
    api
      .get<LogPage>(`/executions/${executionId}/logs`, { job: job.id, offset: target, limit: 1 })
      .then((page) => {
        const line = page.jobs[0]?.lines[0];
        if (!live || !line || line.step === null) return;
        const step = line.step;
        setStarts((previous) => ({ ...previous, [step]: Math.max(0, target - BEFORE_TARGET) }));
        setOpen((previous) => new Set([...previous, step]));
      })
      .catch((failure: unknown) => live && setJumpError(failure));
    return () => {
      live = false;
    };
  }, [api, executionId, job.id, target]);

  const toggle = (index: number) =>
    setOpen((previous) => {
      const next = new Set(previous);
      if (!next.delete(index)) next.add(index);
      return next;
    });

  return (
    <div className="job-log">
      <LogTools executionId={executionId} job={job} />
      <ErrorText error={jumpError} />
      {job.steps.map((step) => (
        <StepSection
          key={`${step.index}:${starts[step.index] ?? 0}`}
          executionId={executionId}
          job={job}
          step={step}
          open={open.has(step.index)}
          from={starts[step.index] ?? 0}
          target={target}
          onToggle={() => toggle(step.index)}
        />
      ))}
      {job.error && !job.steps.some((step) => step.error === job.error) && <p className="error">{job.error}</p>}
    </div>
  );
}

function StepSection(props: { executionId: string; job: Job; step: Step; open: boolean; from: number; target: number | null; onToggle: () => void }) {
  const { step, open, onToggle } = props;
  return (
    <section className={`step-section${open ? ' open' : ''}`} data-step={step.index} data-status={step.status}>
      <button type="button" className="step-header" aria-expanded={open} onClick={onToggle}>
        <span className="chevron" aria-hidden="true" />
        <Badge value={step.status} />
        <span className="step-name">{step.name}</span>
        <span className="duration">{formatDuration(step.startedAt, step.finishedAt)}</span>
      </button>
      {step.error && <p className="error step-error">{step.error}</p>}
      {open && <StepLines {...props} />}
    </section>
  );
}

function StepLines({ executionId, job, step, from, target }: { executionId: string; job: Job; step: Step; from: number; target: number | null }) {
  const { section, error, loadMore, loadEarlier } = useStepLog(executionId, job.id, step.index, from);
  const end = useRef<HTMLDivElement>(null);
  const box = useRef<HTMLDivElement>(null);

  // Page in more lines while the end of the section is in view.
  useEffect(() => {
    const sentinel = end.current;
    if (!sentinel || section.caughtUp) return;
    const observer = new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && void loadMore(), { rootMargin: '400px' });
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [loadMore, section.caughtUp, section.next]);

  const hasTarget = target !== null && section.lines.some((line) => line.n === target);
  useEffect(() => {
    if (hasTarget) box.current?.querySelector('.log-line.target')?.scrollIntoView({ block: 'center' });
  }, [hasTarget]);

  const waiting = section.lines.length === 0;
  return (
    <div className="log" role="log" aria-label={`log of ${job.name}: ${step.name}`} ref={box}>
      {!section.atStart && (
        <button type="button" className="link earlier" onClick={() => void loadEarlier()}>
          Show earlier lines
        </button>
      )}
      {section.lines.map((line) => (
        <Line key={line.n} line={line} target={line.n === target} />
      ))}
      {waiting && section.caughtUp && <div className="muted">{step.status === 'running' || step.status === 'queued' ? 'Waiting for output…' : 'No output.'}</div>}
      {!section.caughtUp && <div className="muted">Loading…</div>}
      <ErrorText error={error} />
      <div ref={end} className="sentinel" />
    </div>
  );
}

function Line({ line, target }: { line: LogLine; target: boolean }) {
  const navigate = useNavigate();
  const { pathname, search } = useLocation();
  const id = `L${line.n + 1}`;
  return (
    <div id={id} className={`log-line${target ? ' target' : ''}`}>
      <a
        className="n"
        href={`#${id}`}
        data-n={line.n + 1}
        aria-label={`line ${line.n + 1}`}
        onClick={(event) => {
          event.preventDefault();
          void navigate(`${pathname}${search}#${id}`, { replace: true });
        }}
      />
      <span className="text">{line.text}</span>
    </div>
  );
}

function LogTools({ executionId, job }: { executionId: string; job: Job }) {
  const api = useApi();
  const navigate = useNavigate();
  const { pathname, search } = useLocation();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<LogLine[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const stepName = (index: number | null) => job.steps.find((step) => step.index === index)?.name ?? 'job';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!query.trim()) return setResults(null);
    try {
      const page = await api.get<LogPage>(`/executions/${executionId}/logs`, { job: job.id, search: query.trim(), limit: 200 });
      setResults(page.jobs[0]?.lines ?? []);
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <div className="log-tools">
      <form role="search" onSubmit={(event) => void submit(event)} className="inline-form">
        <input aria-label="search the log" placeholder="Search the log" value={query} onChange={(e) => setQuery(e.target.value)} />
        <button type="submit">Search</button>
        <button type="button" onClick={() => void api.download(`/executions/${executionId}/logs/raw?job=${encodeURIComponent(job.id)}`, `${job.key}.log`).catch(setError)}>
          Download raw log
        </button>
      </form>
      <ErrorText error={error} />
      {results && (
        <ul className="search-results" aria-label="search results">
          {results.length === 0 && <li className="muted">No line contains “{query}”.</li>}
          {results.map((line) => (
            <li key={line.n}>
              <a
                href={`#L${line.n + 1}`}
                onClick={(event) => {
                  event.preventDefault();
                  void navigate(`${pathname}${search}#L${line.n + 1}`);
                }}
              >
                L{line.n + 1}
              </a>{' '}
              <small>{stepName(line.step)}</small> <code>{line.text}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
