import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useWebSocketListener } from '../../hooks/useWebSocket';
import { useApi } from '../../hooks/useSession';
import type { Scan, ScanAccepted, Severity, Vulnerability } from '../../services/api.types';
import { upsert } from '../../services/liveCache';

export const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export const securityKeys = {
  scans: (projectId: string) => ['security', 'scans', projectId] as const,
  vulnerabilities: (projectId: string) => ['security', 'vulnerabilities', projectId] as const,
};

const bySeverity = (a: Vulnerability, b: Vulnerability) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity);

export function useScans(projectId: string) {
  const api = useApi();
  return useQuery({
    queryKey: securityKeys.scans(projectId),
    queryFn: () => api.get<Scan[]>(`/projects/${projectId}/scans`, { limit: 20 }),
    enabled: Boolean(projectId),
  });
}

/** All of the project's vulnerabilities (the page filters them); events patch the list live. */
export function useVulnerabilities(projectId: string) {
  const api = useApi();
  return useQuery({
    queryKey: securityKeys.vulnerabilities(projectId),
    queryFn: () => api.get<Vulnerability[]>(`/projects/${projectId}/vulnerabilities`),
    enabled: Boolean(projectId),
  });
}

/** Keeps the scans and vulnerabilities of `projectId` in step with the security events. */
export function useLiveSecurity(projectId: string, onCritical: (v: Vulnerability) => void) {
  const queries = useQueryClient();
  const patchScan = (scan: Scan) => {
    if (scan.projectId !== projectId) return;
    queries.setQueryData<Scan[]>(securityKeys.scans(projectId), (list) => upsert(list, scan, (a, b) => a.scanId === b.scanId));
  };
  const patchVulnerability = (v: Vulnerability) => {
    if (v.projectId !== projectId) return;
    queries.setQueryData<Vulnerability[]>(securityKeys.vulnerabilities(projectId), (list) =>
      upsert(list, v, (a, b) => a.vulnerabilityId === b.vulnerabilityId)?.sort(bySeverity),
    );
  };
  useWebSocketListener('security_scan_started', (e) => patchScan(e.data.scan as Scan));
  useWebSocketListener('security_scan_updated', (e) => patchScan(e.data.scan as Scan));
  useWebSocketListener('security_scan_completed', (e) => {
    patchScan(e.data.scan as Scan);
    if (e.data.scan.projectId === projectId) void queries.invalidateQueries({ queryKey: securityKeys.vulnerabilities(projectId) });
  });
  useWebSocketListener('security_vulnerability_detected', (e) => {
    const v = e.data.vulnerability as Vulnerability;
    patchVulnerability(v);
    if (v.projectId === projectId && v.severity === 'critical') onCritical(v);
  });
  useWebSocketListener('security_vulnerability_updated', (e) => patchVulnerability(e.data.vulnerability as Vulnerability));
}

export function useStartScan(projectId: string) {
  const api = useApi();
  return useMutation({ mutationFn: (ref: string) => api.post<ScanAccepted>(`/projects/${projectId}/scans`, ref ? { ref } : {}) });
}

export function useTriage(projectId: string) {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: ({ id, status, reason }: { id: string; status: 'ignored' | 'false_positive' | 'open'; reason: string }) =>
      api.patch<Vulnerability>(`/vulnerabilities/${id}`, { status, reason }),
    onSuccess: (v) =>
      queries.setQueryData<Vulnerability[]>(securityKeys.vulnerabilities(projectId), (list) =>
        upsert(list, v, (a, b) => a.vulnerabilityId === b.vulnerabilityId),
      ),
  });
}
