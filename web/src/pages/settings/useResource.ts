// A list read from the API and the changes made to it, refetched after each change.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../hooks/useSession';
import type { ApiClient } from '../../services/api';

export function useList<T>(key: readonly unknown[], path: string, enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: key, queryFn: () => api.get<T[]>(path), enabled });
}

export function useChange<A, R = unknown>(key: readonly unknown[], change: (api: ApiClient, args: A) => Promise<R>) {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: (args: A) => change(api, args),
    onSuccess: () => queries.invalidateQueries({ queryKey: key }),
  });
}

/** A random secret for a webhook: 32 bytes, hex. */
export function randomSecret(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, '0')).join('');
}
