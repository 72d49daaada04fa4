import { useState, type FormEvent } from 'react';
import { Badge, Card, Empty, ErrorText } from '../../components/ui';
import { formatTime } from '../../components/format';
import { useSession } from '../../hooks/useSession';
import type { AlertSeverity, AlertStatus } from '../../services/api.types';
import { useAlerts, useRaiseAlert, useUpdateAlert } from './alerts';
import { ComponentHealth, MetricsCharts } from './health';

const FILTERS: (AlertStatus | 'all')[] = ['open', 'acknowledged', 'resolved', 'all'];

export function SystemPage() {
  const { user } = useSession();
  const alerts = useAlerts();
  const update = useUpdateAlert();
  const [filter, setFilter] = useState<AlertStatus | 'all'>('open');
  const shown = alerts.data?.filter((alert) => filter === 'all' || alert.status === filter) ?? [];
  const isAdmin = Boolean(user?.isAdmin);

  return (
    <div className="stack">
      <ComponentHealth />
      <MetricsCharts />
      <Card
        title="Alerts"
        actions={
          <div className="tabs" role="tablist">
            {FILTERS.map((name) => (
              <button key={name} type="button" role="tab" aria-selected={filter === name} onClick={() => setFilter(name)}>
                {name}
              </button>
            ))}
          </div>
        }
      >
        <ErrorText error={alerts.error ?? update.error} />
        {alerts.isPending ? (
          <p>Loading…</p>
        ) : shown.length === 0 ? (
          <Empty>No {filter === 'all' ? '' : `${filter} `}alerts.</Empty>
        ) : (
          <table aria-label="alerts">
            <thead>
              <tr>
                <th>Severity</th>
                <th>Title</th>
                <th>Source</th>
                <th>Raised</th>
                <th>Status</th>
                {isAdmin && <th />}
              </tr>
            </thead>
            <tbody>
              {shown.map((alert) => (
                <tr key={alert.alertId} data-alert-id={alert.alertId}>
                  <td>
                    <Badge value={alert.severity} />
                  </td>
                  <td>
                    <strong>{alert.title}</strong>
                    {alert.message && <div className="muted">{alert.message}</div>}
                  </td>
                  <td>{alert.source}</td>
                  <td>{formatTime(alert.createdAt)}</td>
                  <td>
                    <Badge value={alert.status} />
                  </td>
                  {isAdmin && (
                    <td>
                      <div className="actions">
                        {alert.status === 'open' && (
                          <button type="button" onClick={() => update.mutate({ alertId: alert.alertId, status: 'acknowledged' })}>
                            Acknowledge
                          </button>
                        )}
                        {alert.status !== 'resolved' && (
                          <button type="button" onClick={() => update.mutate({ alertId: alert.alertId, status: 'resolved' })}>
                            Resolve
                          </button>
                        )}
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {isAdmin && <RaiseAlert />}
    </div>
  );
}

function RaiseAlert() {
  const raise = useRaiseAlert();
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<AlertSeverity>('warning');
  const [message, setMessage] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    raise.mutate({ title, severity, message, source: 'dashboard' }, { onSuccess: () => setTitle('') });
  };

  return (
    <Card title="Raise an alert">
      <form onSubmit={submit} className="inline-form">
        <label>
          Title
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
        </label>
        <label>
          Severity
          <select value={severity} onChange={(e) => setSeverity(e.target.value as AlertSeverity)}>
            <option value="critical">critical</option>
            <option value="warning">warning</option>
            <option value="info">info</option>
          </select>
        </label>
        <label>
          Message
          <input value={message} onChange={(e) => setMessage(e.target.value)} maxLength={10000} />
        </label>
        <button type="submit" disabled={raise.isPending}>
          Raise
        </button>
      </form>
      <ErrorText error={raise.error} />
    </Card>
  );
}
