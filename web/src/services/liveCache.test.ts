// Sockets announce, the cache follows: events from the real server patch or refetch queries.
import { QueryClient } from '@tanstack/react-query';
import { afterEach, expect, it } from 'vitest';
import { api, baseUrl, login, raiseAlert, unique, until } from '../../test/support';
import { helloPipeline, startExecution } from '../../test/pipelines';
import type { Alert, Execution, Pipeline } from './api.types';
import { connectLiveCache, queryKeys, withAnnouncedRuns, withLatestState } from './liveCache';
import { WebSocketService } from './websocket.service';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

async function setUp() {
  const token = await login();
  const service = new WebSocketService({ url: baseUrl() });
  const client = new QueryClient();
  cleanups.push(() => service.reset(), connectLiveCache(service, client), () => client.clear());
  await service.connect(token);
  await until(() => service.getState().isConnected, service.onState, 10_000, 'authentication');
  const changed = (wake: () => void) => client.getQueryCache().subscribe(wake);
  return { token, service, client, changed };
}

it('patches the alert list with system_alert events', async () => {
  const { token, client, changed } = await setUp();
  client.setQueryData<Alert[]>(queryKeys.alerts, []);
  const title = unique('cached');
  const alert = await raiseAlert(token, title);
  const alerts = () => client.getQueryData<Alert[]>(queryKeys.alerts) ?? [];
  await until(() => alerts().some((a) => a.alertId === alert.alertId), changed, 10_000, 'the alert in the cache');
  expect(alerts()[0]).toMatchObject({ title, status: 'open' });
});

it('keeps an execution and its pipeline list current with execution events', async () => {
  const { token, client, changed } = await setUp();
  const { pipelineId } = await helloPipeline(token);
  client.setQueryData<Execution[]>(queryKeys.executions(pipelineId), []);
  const executionId = await startExecution(token, pipelineId);
  const cached = () => client.getQueryData<Execution>(queryKeys.execution(executionId));
  await until(() => cached()?.status === 'success', changed, 30_000, 'the execution to succeed in the cache');
  expect(client.getQueryData<Execution[]>(queryKeys.executions(pipelineId))?.map((e) => e.id)).toEqual([executionId]);
  expect(cached()?.jobs[0]?.key).toBe('hello');
});

it('gives a list fetched before an event (and answered after it) the state the event announced', async () => {
  const { token, client, changed } = await setUp();
  const { pipelineId } = await helloPipeline(token);
  const executionId = await startExecution(token, pipelineId);
  const cached = () => client.getQueryData<Execution>(queryKeys.execution(executionId));
  await until(() => cached()?.status === 'success', changed, 30_000, 'the execution to succeed in the cache');
  const stale = { ...(cached() as Execution), status: 'queued' as const, finishedAt: null };
  expect(withLatestState([stale])[0]).toMatchObject({ id: executionId, status: 'success', finishedAt: cached()?.finishedAt });
});

it('drops a deleted pipeline from its project list when the event arrives, before any refetch', async () => {
  const { token, service, client } = await setUp();
  const { projectId, pipelineId } = await helloPipeline(token);
  const cached = () => client.getQueryData<Pipeline[]>(queryKeys.pipelines(projectId))?.map((p) => p.id);
  client.setQueryData(queryKeys.pipelines(projectId), await api<Pipeline[]>(`/projects/${projectId}/pipelines`, { token }));
  expect(cached()).toEqual([pipelineId]);
  // Listeners run in the order they were added: this one reads the cache right after liveCache's,
  // before a refetch could have answered (and nothing observes the list, so none starts).
  const seen = new Promise<string[] | undefined>((resolve) => cleanups.push(service.on('pipeline_deleted', () => resolve(cached()))));
  const deleted = await fetch(`${baseUrl()}/api/v1/pipelines/${pipelineId}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
  expect(deleted.status).toBe(204);
  expect(await seen).toEqual([]);
});

it('gives a list read before a run started (and answered after its events) the run', async () => {
  const { token, client, changed } = await setUp();
  const { pipelineId } = await helloPipeline(token);
  const executionId = await startExecution(token, pipelineId);
  const cached = () => client.getQueryData<Execution>(queryKeys.execution(executionId));
  await until(() => cached()?.status === 'success', changed, 30_000, 'the execution to succeed in the cache');
  expect(withAnnouncedRuns(pipelineId, []).map((run) => [run.id, run.status])).toEqual([[executionId, 'success']]);
  // A list that holds the run (or a later one) gets nothing added; another pipeline's list neither.
  const fetched = cached() as Execution;
  expect(withAnnouncedRuns(pipelineId, [fetched])).toEqual([fetched]);
  expect(withAnnouncedRuns('another-pipeline', [])).toEqual([]);
});

it('refetches what is shown after every authentication', async () => {
  const { service, client } = await setUp();
  let fetches = 0;
  await client.fetchQuery({ queryKey: ['probe'], queryFn: () => ++fetches });
  const observer = client.getQueryCache().find({ queryKey: ['probe'] });
  expect(observer).toBeDefined();
  service.authenticate(service.currentToken ?? '');
  await until(() => service.getState().authentications === 2, service.onState, 10_000, 'authenticated again');
  expect(client.getQueryState(['probe'])?.isInvalidated).toBe(true);
});
