// Small display helpers shared by the pages.
import type { FeedEvent } from '../services/websocket.service';

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function formatDuration(start: string | null | undefined, end: string | null | undefined, now = Date.now()): string {
  if (!start) return '—';
  const ms = (end ? new Date(end).getTime() : now) - new Date(start).getTime();
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m ${seconds % 60}s` : `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

/** One line saying what an event is about, for feeds. */
export function summarize(event: FeedEvent): string {
  const data = event.data as unknown as Record<string, unknown>;
  const field = (object: string, key: string) => text((data[object] as Record<string, unknown> | undefined)?.[key]);
  switch (event.category) {
    case 'PIPELINE':
      if (Array.isArray(data.lines)) return `${data.lines.length} log line(s)`;
      if (data.execution) return `execution #${field('execution', 'number')} ${field('execution', 'status')}`;
      return field('pipeline', 'name') || text(data.pipelineId);
    case 'SYSTEM':
      if (data.alert) return `${field('alert', 'severity')}: ${field('alert', 'title')} (${field('alert', 'status')})`;
      return field('status', 'status') || 'metrics';
    case 'USER':
      return field('notification', 'title') || field('activity', 'summary');
    case 'SECURITY':
      return field('vulnerability', 'title') || `scan ${field('scan', 'status') || text(data.scanId)}`;
    case 'DEBUG':
      return field('error', 'message') || field('session', 'status') || text(data.sessionId);
    case 'ARCHITECTURE':
      return field('diagram', 'name') || text(data.diagramId);
    default:
      return '';
  }
}
