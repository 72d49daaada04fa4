import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { mergeBySeq } from '../../components/CategoryEvents';
import { Badge, Card, Empty, ErrorText, EventFeed } from '../../components/ui';
import { formatTime } from '../../components/format';
import { useWebSocketConnection, useWebSocketEvents } from '../../hooks/useWebSocket';
import { useSession } from '../../hooks/useSession';
import { queryKeys } from '../../services/liveCache';
import type { FeedEvent } from '../../services/websocket.service';
import { useAlerts } from '../system/alerts';
import { LatestStatus, RecentRuns, useRuns } from './runs';

// Log batches and metrics would drown everything else in a general feed.
const NOISY = new Set(['pipeline_log', 'system_metrics_update']);
const notNoisy = (event: FeedEvent) => !NOISY.has(event.event_type);

export function OverviewPage() {
  const { token, api } = useSession();
  const connection = useWebSocketConnection(token);
  const { events: live } = useWebSocketEvents({ limit: 50, filter: notNoisy });
  // What happened before the page opened, from the event log (refetched after reconnections).
  const history = useQuery({
    queryKey: [...queryKeys.events, 'recent'],
    queryFn: () => api.get<{ events: FeedEvent[] }>('/events', { latest: true, limit: 200 }),
  });
  const events = mergeBySeq((history.data?.events ?? []).filter(notNoisy), live, 50);
  const recent = useRuns('recent');
  const pipelineNames = Object.fromEntries((recent.data ?? []).map((run) => [run.pipelineId, run.pipelineName]));
  const alerts = useAlerts();
  const open = alerts.data?.filter((alert) => alert.status === 'open') ?? [];

  return (
    <div className="grid">
      <Card title="Recent runs" wide>
        <RecentRuns />
      </Card>
      <Card title="Latest status by pipeline and branch">
        <LatestStatus />
      </Card>
      <Card title="Connection">
        <dl className="facts">
          <dt>Live events</dt>
          <dd>{connection.isConnected ? 'Connected' : 'Disconnected'}</dd>
          <dt>Signed in as</dt>
          <dd>{String(connection.user?.username ?? '—')}</dd>
          <dt>Session expires</dt>
          <dd>{formatTime(connection.expiresAt)}</dd>
          <dt>Last seen event</dt>
          <dd>{connection.service.lastSeq ?? '—'}</dd>
        </dl>
      </Card>
      <Card title={`Open alerts (${open.length})`} actions={<Link to="/system">All alerts</Link>}>
        <ErrorText error={alerts.error} />
        {open.length === 0 ? (
          <Empty>No open alerts.</Empty>
        ) : (
          <ul className="alerts" aria-label="open alerts">
            {open.map((alert) => (
              <li key={alert.alertId}>
                <Badge value={alert.severity} />
                <strong>{alert.title}</strong>
                <small>
                  {alert.source} · {formatTime(alert.createdAt)}
                </small>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="Latest events">
        <EventFeed events={events} empty="No events yet. They appear here live." pipelineNames={pipelineNames} />
      </Card>
    </div>
  );
}
