import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useWebSocketListener } from '../../hooks/useWebSocket';
import { useApi } from '../../hooks/useSession';
import type { DebugSession, Patch } from '../../services/api.types';
import { upsert } from '../../services/liveCache';

export const debugKeys = {
  sessions: (projectId: string) => ['debug', 'sessions', projectId] as const,
};

export function useDebugSessions(projectId: string) {
  const api = useApi();
  return useQuery({
    queryKey: debugKeys.sessions(projectId),
    queryFn: () => api.get<DebugSession[]>('/debug/sessions', { projectId }),
    enabled: Boolean(projectId),
  });
}

/** Keeps the project's sessions in step with the debug events (they carry whole sessions). */
export function useLiveDebug(projectId: string) {
  const queries = useQueryClient();
  const patchSession = (session: DebugSession) => {
    if (session.projectId !== projectId) return;
    queries.setQueryData<DebugSession[]>(debugKeys.sessions(projectId), (list) =>
      upsert(list, session, (a, b) => a.sessionId === b.sessionId),
    );
  };
  const refetch = () => void queries.invalidateQueries({ queryKey: debugKeys.sessions(projectId) });
  useWebSocketListener('debug_session_created', (e) => patchSession(e.data.session as DebugSession));
  useWebSocketListener('debug_session_updated', (e) => patchSession(e.data.session as DebugSession));
  useWebSocketListener('debug_patch_applied', refetch);
  useWebSocketListener('debug_patch_rollback', refetch);
}

export function usePatchAction(projectId: string) {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: ({ action, patchId }: { action: 'apply' | 'rollback'; patchId: string }) =>
      api.post<Patch>(`/debug/patches/${patchId}/${action}`, {}),
    onSettled: () => queries.invalidateQueries({ queryKey: debugKeys.sessions(projectId) }),
  });
}
