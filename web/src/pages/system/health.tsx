import { useEffect, useRef } from 'react';
import { useQuery } from '@tanstack/react-query';
import {
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from 'chart.js';
import { Badge, Card, ErrorText } from '../../components/ui';
import { formatTime } from '../../components/format';
import { useApi } from '../../hooks/useSession';
import type { MetricsHistory, MetricsSample, SystemStatus } from '../../services/api.types';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

const REFRESH_MS = 10_000;

export function useSystemStatus() {
  const api = useApi();
  return useQuery({ queryKey: ['system', 'status'], queryFn: () => api.get<SystemStatus>('/system/status'), refetchInterval: REFRESH_MS });
}

export function useSystemMetrics() {
  const api = useApi();
  return useQuery({ queryKey: ['system', 'metrics'], queryFn: () => api.get<MetricsHistory>('/system/metrics'), refetchInterval: REFRESH_MS });
}

export function ComponentHealth() {
  const status = useSystemStatus();
  const data = status.data;
  return (
    <Card title={data ? `Health: ${data.status}` : 'Health'} actions={data && <span className="muted">{data.version} · up {Math.round(data.uptimeSeconds)} s</span>}>
      <ErrorText error={status.error} />
      {data && (
        <table aria-label="components">
          <thead>
            <tr>
              <th>Component</th>
              <th>Status</th>
              <th>Detail</th>
              <th>Checked</th>
            </tr>
          </thead>
          <tbody>
            {data.components.map((component) => (
              <tr key={component.name} data-component={component.name}>
                <td>{component.name}</td>
                <td>
                  <Badge value={component.status} kind={component.status === 'ok' ? 'success' : component.status === 'down' ? 'failed' : 'queued'} />
                </td>
                <td className="muted">{component.detail}</td>
                <td>{formatTime(component.checkedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

type Series = { label: string; color: string; value: (sample: MetricsSample) => number | null | undefined };

const HOST: Series[] = [
  { label: 'CPU %', color: '#4a6fa5', value: (s) => s.host?.cpuPercent },
  { label: 'memory %', color: '#2ca02c', value: (s) => s.host?.memoryPercent },
  { label: 'data disk %', color: '#d62728', value: (s) => s.host?.diskPercent },
];
const JOBS: Series[] = [
  { label: 'jobs queued', color: '#ff7f0e', value: (s) => s.platform?.jobsQueued },
  { label: 'jobs running', color: '#4a6fa5', value: (s) => s.platform?.jobsRunning },
  { label: 'executions / min', color: '#9467bd', value: (s) => s.platform?.executionsPerMinute },
];

function LineChart({ label, samples, series }: { label: string; samples: MetricsSample[]; series: Series[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: 'line',
      data: { labels: [], datasets: series.map((s) => ({ label: s.label, data: [], borderColor: s.color, pointRadius: 0, tension: 0.2 })) },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
    });
    return () => chart.current?.destroy();
  }, [series]);
  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    current.data.labels = samples.map((s) => new Date(s.at).toLocaleTimeString());
    current.data.datasets.forEach((dataset, index) => {
      dataset.data = samples.map((s) => series[index].value(s) ?? null);
    });
    current.update();
  }, [samples, series]);
  return (
    <div className="chart" style={{ height: 220 }}>
      <canvas ref={canvas} aria-label={label} role="img" />
    </div>
  );
}

export function MetricsCharts() {
  const metrics = useSystemMetrics();
  const samples = metrics.data?.history ?? [];
  const latest = metrics.data?.current;
  return (
    <Card title="Metrics" actions={latest && <span className="muted" data-testid="metrics-latest">{`${samples.length} samples · ${latest.platform?.connectedSockets ?? 0} sockets · failure rate ${Math.round((latest.platform?.failureRate ?? 0) * 100)}%`}</span>}>
      <ErrorText error={metrics.error} />
      {latest && Object.keys(latest.errors).length > 0 && <p className="error">Sources failing: {Object.keys(latest.errors).join(', ')}</p>}
      <LineChart label="host metrics" samples={samples} series={HOST} />
      <LineChart label="job metrics" samples={samples} series={JOBS} />
    </Card>
  );
}
