// Small shared pieces: status badges, empty states, errors, event feeds.
import type { ReactNode } from 'react';
import type { FeedEvent } from '../services/websocket.service';
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

export function Card({ title, actions, children }: { title: ReactNode; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="card">
      <header>
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function EventFeed({ events, empty }: { events: FeedEvent[]; empty: ReactNode }) {
  if (events.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul className="feed" aria-label="events">
      {[...events].reverse().map((event) => (
        <li key={event.seq} data-seq={event.seq}>
          <time>{formatTime(event.timestamp)}</time>
          <Badge value={event.priority} kind={event.priority.toLowerCase()} />
          <code>{event.event_type}</code>
          <span>{summarize(event)}</span>
        </li>
      ))}
    </ul>
  );
}
