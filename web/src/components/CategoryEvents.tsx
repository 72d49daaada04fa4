// A category's events: its history from the event log, then live ones, merged by seq.
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useWebSocketCategory } from '../hooks/useWebSocket';
import { useApi } from '../hooks/useSession';
import { queryKeys } from '../services/liveCache';
import type { EventCategory, FeedEvent } from '../services/websocket.service';
import { ErrorText, EventFeed } from './ui';

const LIMIT = 100;

export function mergeBySeq(history: FeedEvent[], live: FeedEvent[], limit = LIMIT): FeedEvent[] {
  const bySeq = new Map<number, FeedEvent>();
  for (const event of [...history, ...live]) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-limit);
}

export function CategoryEvents({ category, empty }: { category: EventCategory; empty: ReactNode }) {
  const api = useApi();
  const history = useQuery({
    queryKey: [...queryKeys.events, category],
    queryFn: () => api.get<{ events: FeedEvent[] }>('/events', { category, limit: LIMIT, latest: true }),
  });
  const { events: live } = useWebSocketCategory(category, { limit: LIMIT });
  const events = mergeBySeq(history.data?.events ?? [], live);
  return (
    <>
      <ErrorText error={history.error} />
      <EventFeed events={events} empty={history.isPending ? 'Loading…' : empty} />
    </>
  );
}
