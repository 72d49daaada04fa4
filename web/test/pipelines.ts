// A project with a one-job pipeline on the real server, and a way to run it.
import { api, unique } from './support';

export const HELLO_PIPELINE = 'jobs:\n  hello:\n    steps:\n      - run: echo hello from vitest\n';

export async function helloPipeline(token: string): Promise<{ projectId: string; pipelineId: string }> {
  const project = await api<{ id: string }>('/projects', { token, body: { name: unique('web') } });
  const pipeline = await api<{ id: string }>(`/projects/${project.id}/pipelines`, {
    token,
    body: { name: 'hello', definition: HELLO_PIPELINE },
  });
  return { projectId: project.id, pipelineId: pipeline.id };
}

export async function startExecution(token: string, pipelineId: string): Promise<string> {
  const { executionId } = await api<{ executionId: string }>(`/pipelines/${pipelineId}/executions`, {
    token,
    body: {},
  });
  return executionId;
}
