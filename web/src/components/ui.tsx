// Small shared pieces: status badges, empty states, errors, event feeds.
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { FeedEvent } from '../services/websocket.service';
import { groupFeed } from './feed';
import { formatTime, summarize } from './format';

export function Badge({ value, kind }: { value: string; kind?: string }) {
  return <span className={`badge badge-${kind ?? value}`}>{value.replace('_', ' ')}</span>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}

export function Card({ title, actions, children, wide }: { title: ReactNode; actions?: ReactNode; children: ReactNode; wide?: boolean }) {
  return (
    <section className={wide ? 'card wide' : 'card'}>
      <header>
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function EventFeed({ events, empty, pipelineNames = {} }: { events: FeedEvent[]; empty: ReactNode; pipelineNames?: Record<string, string> }) {
  if (events.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul className="feed" aria-label="events">
      {groupFeed(events).map(({ key, event, executionId, count }) => (
        <li key={key} data-seq={event.seq} data-execution-id={executionId ?? undefined}>
          <time>{formatTime(event.timestamp)}</time>
          <Badge value={event.priority} kind={event.priority.toLowerCase()} />
          {executionId ? <RunSummary event={event} executionId={executionId} count={count} names={pipelineNames} /> : <code>{event.event_type}</code>}
          {!executionId && <span>{summarize(event)}</span>}
        </li>
      ))}
    </ul>
  );
}

function RunSummary({ event, executionId, count, names }: { event: FeedEvent; executionId: string; count: number; names: Record<string, string> }) {
  const run = (event.data as unknown as { execution?: { number?: number; status?: string; pipelineId?: string } }).execution;
  return (
    <span className="run-summary">
      <Link to={`/executions/${executionId}`}>
        {names[run?.pipelineId ?? ''] ?? 'Run'} #{run?.number ?? '?'}
      </Link> {run?.status && <Badge value={run.status} />}
      {count > 1 && <small className="muted"> {count} updates</small>}
    </span>
  );
}
