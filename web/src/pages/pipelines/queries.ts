import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useApi, useSession } from '../../hooks/useSession';
import type { DefinitionCheck, Execution, Pipeline, Project } from '../../services/api.types';
import { queryKeys, withAnnouncedRuns, withLatestState } from '../../services/liveCache';
import type { CheckState } from './DefinitionEditor';

export function useProjects() {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.projects, queryFn: () => api.get<Project[]>('/projects') });
}

export function useProject(projectId: string | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.project(projectId ?? ''),
    queryFn: () => api.get<Project>(`/projects/${projectId}`),
    enabled: Boolean(projectId),
  });
}

export function usePipeline(pipelineId: string | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.pipeline(pipelineId ?? ''),
    queryFn: () => api.get<Pipeline>(`/pipelines/${pipelineId}`),
    enabled: Boolean(pipelineId),
  });
}

export function usePipelines(projectId: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.pipelines(projectId),
    queryFn: () => api.get<Pipeline[]>(`/projects/${projectId}/pipelines`),
  });
}

/** Recent executions, newest first; execution events patch them live (services/liveCache.ts). */
export function useExecutions(pipelineId: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.executions(pipelineId),
    queryFn: async () => withAnnouncedRuns(pipelineId, await api.get<Execution[]>(`/pipelines/${pipelineId}/executions`, { limit: 10 })),
    select: withLatestState<Execution>,
  });
}

export function useExecution(executionId: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.execution(executionId),
    queryFn: () => api.get<Execution>(`/executions/${executionId}`),
  });
}

/** Maintainers and owners of the project (and admins) may start, cancel and retry. */
export function useCanOperate(project: Project | undefined): boolean {
  const { user } = useSession();
  return Boolean(user?.isAdmin || project?.role === 'maintainer' || project?.role === 'owner');
}

export function useExecutionAction() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    // `body` of a start: {ref?, inputs?} (RunPipeline's form); nothing for the pipeline's defaults
    mutationFn: ({ action, id, body = {} }: { action: 'start' | 'cancel' | 'retry'; id: string; body?: object }) =>
      action === 'start'
        ? api.post<{ executionId: string }>(`/pipelines/${id}/executions`, body)
        : api.post<{ executionId: string }>(`/executions/${id}/${action}`),
    onSuccess: ({ executionId }) => queries.invalidateQueries({ queryKey: queryKeys.execution(executionId) }),
  });
}

export function useCreateProject() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; repoUrl: string | null; defaultBranch: string }) => api.post<Project>('/projects', body),
    onSuccess: () => queries.invalidateQueries({ queryKey: queryKeys.projects }),
  });
}

export function useCreatePipeline(projectId: string) {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; definition: string }) => api.post<Pipeline>(`/projects/${projectId}/pipelines`, body),
    onSuccess: () => queries.invalidateQueries({ queryKey: queryKeys.pipelines(projectId) }),
  });
}

/** Reads the repository's pipeline files at `ref` (default branch when null); their pipelines. */
export function useSyncRepository(projectId: string) {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: (ref: string | null) => api.post<Pipeline[]>(`/projects/${projectId}/pipelines/sync`, ref ? { ref } : {}),
    onSuccess: () => queries.invalidateQueries({ queryKey: queryKeys.pipelines(projectId) }),
  });
}

/** `value`, once it has stopped changing for `delay` ms. */
export function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

/** The server's check of a definition being typed, a moment after typing stops; saves nothing. */
export function useDefinitionCheck(projectId: string | undefined, text: string): CheckState {
  const api = useApi();
  const settled = useDebounced(text, 250);
  const check = useQuery({
    queryKey: ['definition-check', projectId, settled],
    queryFn: ({ signal }) => api.post<DefinitionCheck>(`/projects/${projectId}/pipelines/validate`, { definition: settled }, signal),
    enabled: Boolean(projectId) && settled.trim().length > 0,
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    retry: false,
  });
  return { result: check.data, checking: settled !== text || check.isFetching, error: check.error };
}
