// Sockets announce changes; this keeps the REST cache (TanStack Query) in step: it patches what
// an event carries whole (alerts, notifications, executions) and refetches the rest.
import type { QueryClient } from '@tanstack/react-query';
import type { Alert, Execution, ExecutionSummary, Notification, Pipeline } from './api.types';
import type { WebSocketService } from './websocket.service';

export const queryKeys = {
  me: ['me'] as const,
  projects: ['projects'] as const,
  project: (id: string) => ['project', id] as const,
  pipelines: (projectId: string) => ['pipelines', projectId] as const,
  pipeline: (id: string) => ['pipeline', id] as const,
  executions: (pipelineId: string) => ['executions', pipelineId] as const,
  execution: (id: string) => ['execution', id] as const,
  alerts: ['alerts'] as const,
  notifications: ['notifications'] as const,
  events: ['events'] as const,
  /** Runs across projects (the home page): `['runs', 'recent' | 'latest']`. */
  runs: ['runs'] as const,
};

export function upsert<T>(list: T[] | undefined, item: T, same: (a: T, b: T) => boolean, first = true): T[] | undefined {
  if (!list) return list;
  const index = list.findIndex((existing) => same(existing, item));
  if (index === -1) return first ? [item, ...list] : [...list, item];
  return list.map((existing, i) => (i === index ? item : existing));
}

const byNumberDesc = (a: Execution, b: Execution) => b.number - a.number;

type RunState = Pick<Execution, 'status' | 'startedAt' | 'finishedAt'>;
const LATEST_KEPT = 500;
// The newest state of each run that events announced. A list fetched just before an event and
// answered just after it would otherwise put the older status back until the next event.
const latestRunState = new Map<string, RunState>();

// The latest snapshot of the runs announced lately, whole: a pipeline's list fetched just before a
// run started and answered after its events would otherwise miss the run until its next event.
const announcedRuns = new Map<string, Execution>();
const ANNOUNCED_KEPT = 100;

function remember(execution: Execution) {
  latestRunState.delete(execution.id);
  latestRunState.set(execution.id, { status: execution.status, startedAt: execution.startedAt, finishedAt: execution.finishedAt });
  if (latestRunState.size > LATEST_KEPT) latestRunState.delete(latestRunState.keys().next().value as string);
  announcedRuns.delete(execution.id);
  announcedRuns.set(execution.id, execution);
  if (announcedRuns.size > ANNOUNCED_KEPT) announcedRuns.delete(announcedRuns.keys().next().value as string);
}

/** A pipeline's newest runs as fetched, with the announced runs it was read too early to hold
 * (numbered above its newest): for the query function, which returns once the answer is in. */
export function withAnnouncedRuns(pipelineId: string, runs: Execution[]): Execution[] {
  const newest = runs.reduce((highest, run) => Math.max(highest, run.number), 0);
  const missed = [...announcedRuns.values()].filter((run) => run.pipelineId === pipelineId && run.number > newest);
  return missed.length ? [...missed, ...runs].sort(byNumberDesc) : runs;
}

/** A fetched list of runs with each run's newest announced state (a stable `select` for queries). */
export function withLatestState<T extends { id: string } & RunState>(runs: T[]): T[] {
  return runs.map((run) => {
    const latest = latestRunState.get(run.id);
    return latest && latest.status !== run.status ? { ...run, ...latest } : run;
  });
}

/** A deleted pipeline leaves its project's list at once (then the list is read again): a page
 * showing the list from the cache would otherwise draw the pipeline's card, whose runs and inputs
 * are asked for and answered 404. */
export function forgetPipeline(client: QueryClient, projectId: string, pipelineId: string) {
  client.setQueryData<Pipeline[]>(queryKeys.pipelines(projectId), (list) => list?.filter((pipeline) => pipeline.id !== pipelineId));
  void client.invalidateQueries({ queryKey: queryKeys.pipelines(projectId) });
}

export function connectLiveCache(service: WebSocketService, client: QueryClient): () => void {
  const patchExecution = (execution: Execution) => {
    remember(execution);
    client.setQueryData(queryKeys.execution(execution.id), execution);
    let known = false;
    client.setQueriesData<ExecutionSummary[]>({ queryKey: queryKeys.runs }, (list) =>
      list?.map((run) => {
        if (run.id !== execution.id) return run;
        known = true;
        return { ...run, status: execution.status, startedAt: execution.startedAt, finishedAt: execution.finishedAt };
      }),
    );
    // A run the lists do not show yet (their refetch may still be under way): fetch them again.
    if (!known && client.getQueriesData({ queryKey: queryKeys.runs }).length > 0) {
      void client.invalidateQueries({ queryKey: queryKeys.runs });
    }
    client.setQueryData<Execution[]>(queryKeys.executions(execution.pipelineId), (list) =>
      upsert(list, execution, (a, b) => a.id === b.id)?.sort(byNumberDesc),
    );
  };
  const refetchPipelines = (projectId: string | null) => {
    if (projectId) void client.invalidateQueries({ queryKey: queryKeys.pipelines(projectId) });
  };
  let authentications = service.getState().authentications;
  const offs = [
    service.on('system_alert', (e) =>
      client.setQueryData<Alert[]>(queryKeys.alerts, (list) =>
        upsert(list, e.data.alert as Alert, (a, b) => a.alertId === b.alertId),
      ),
    ),
    service.on('user_notification', (e) =>
      client.setQueryData<Notification[]>(queryKeys.notifications, (list) =>
        upsert(list, e.data.notification as Notification, (a, b) => a.id === b.id),
      ),
    ),
    service.on('pipeline_execution_started', (e) => {
      patchExecution(e.data.execution as Execution);
      void client.invalidateQueries({ queryKey: queryKeys.runs });
    }),
    service.on('pipeline_execution_updated', (e) => patchExecution(e.data.execution as Execution)),
    service.on('pipeline_execution_completed', (e) => {
      patchExecution(e.data.execution as Execution);
      void client.invalidateQueries({ queryKey: queryKeys.runs });
    }),
    service.on('pipeline_created', (e) => refetchPipelines(e.project_id)),
    service.on('pipeline_updated', (e) => {
      refetchPipelines(e.project_id);
      void client.invalidateQueries({ queryKey: queryKeys.pipeline(e.data.pipelineId) });
    }),
    service.on('pipeline_deleted', (e) => {
      if (e.project_id) forgetPipeline(client, e.project_id, e.data.pipelineId);
    }),
    // Each (re)authentication may follow a gap in which state changed: refetch what is shown.
    service.onState(() => {
      const now = service.getState().authentications;
      if (now > authentications) void client.invalidateQueries();
      authentications = now;
    }),
  ];
  return () => {
    offs.forEach((off) => off());
    latestRunState.clear();
    announcedRuns.clear();
  };
}
