import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../hooks/useSession';
import type { Alert, AlertSeverity, AlertStatus } from '../../services/api.types';
import { queryKeys, upsert } from '../../services/liveCache';

/** Recent alerts, newest first; `system_alert` events patch this list (services/liveCache.ts). */
export function useAlerts() {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.alerts, queryFn: () => api.get<Alert[]>('/system/alerts', { limit: 200 }) });
}

function usePatchAlerts() {
  const queries = useQueryClient();
  return (alert: Alert) =>
    queries.setQueryData<Alert[]>(queryKeys.alerts, (list) => upsert(list, alert, (a, b) => a.alertId === b.alertId));
}

export function useUpdateAlert() {
  const api = useApi();
  const patch = usePatchAlerts();
  return useMutation({
    mutationFn: ({ alertId, status }: { alertId: string; status: Exclude<AlertStatus, 'open'> }) =>
      api.patch<Alert>(`/system/alerts/${alertId}`, { status }),
    onSuccess: patch,
  });
}

export function useRaiseAlert() {
  const api = useApi();
  const patch = usePatchAlerts();
  return useMutation({
    mutationFn: (body: { title: string; severity: AlertSeverity; message: string; source: string }) =>
      api.post<Alert>('/system/alerts', body),
    onSuccess: patch,
  });
}
