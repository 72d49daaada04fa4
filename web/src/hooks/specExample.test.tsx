// @vitest-environment jsdom
// The spec's "React Hooks" example, verbatim between the markers, type-checked by `tsc` and
// rendered against the real server: connected, then the latest completed pipeline execution.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import { baseUrl, login } from '../../test/support';
import { helloPipeline, startExecution } from '../../test/pipelines';
import { WebSocketService } from '../services/websocket.service';
import { WebSocketProvider } from './useWebSocket';

// --- the spec's example (imports adjusted to this file's place) ---
import { useWebSocketConnection, useWebSocketEvent, useWebSocketCategory } from '../hooks/useWebSocket';
import { EventCategory } from '../services/websocket.service';

function MyComponent() {
  // Connect to WebSocket server
  const { isConnected } = useWebSocketConnection(authToken);
  
  // Subscribe to a specific event
  const { data: pipelineData } = useWebSocketEvent('pipeline_execution_completed');
  
  // Subscribe to all security events
  const { events: securityEvents } = useWebSocketCategory(EventCategory.SECURITY);
  
  return (
    <div>
      <p>Connection status: {isConnected ? 'Connected' : 'Disconnected'}</p>
      
      {/* Render pipeline data */}
      {pipelineData && (
        <div>
          <h3>Latest Pipeline Execution</h3>
          <pre>{JSON.stringify(pipelineData, null, 2)}</pre>
        </div>
      )}
      
      {/* Render security events */}
      <h3>Security Events</h3>
      <ul>
        {securityEvents.map((event) => (
          <li key={event.data.vulnerabilityId || event.timestamp}>
            {event.event_type}: {event.data.vulnerability?.title || 'Unknown'}
          </li>
        ))}
      </ul>
    </div>
  );
}
// --- end of the spec's example ---

let authToken = '';
const service = new WebSocketService({ url: baseUrl() });
afterEach(() => {
  cleanup();
  service.reset();
});

it('the spec example connects and shows the latest completed pipeline execution', async () => {
  authToken = await login();
  render(
    <WebSocketProvider service={service}>
      <MyComponent />
    </WebSocketProvider>,
  );
  await screen.findByText('Connection status: Connected', {}, { timeout: 10_000 });
  expect(screen.getByText('Security Events')).toBeTruthy();

  const { pipelineId } = await helloPipeline(authToken);
  const executionId = await startExecution(authToken, pipelineId);
  await screen.findByText('Latest Pipeline Execution', {}, { timeout: 30_000 });
  await waitFor(() => expect(screen.getByText(new RegExp(executionId)).textContent).toContain('"success"'), {
    timeout: 30_000,
  });
});

it('is the spec example as written', () => {
  const spec = readFileSync(resolve(__dirname, '../../../docs/spec/websocket-api.md'), 'utf8');
  const written = spec.split('function MyComponent() {')[1]?.split('\n```')[0];
  const here = readFileSync(resolve(__dirname, 'specExample.test.tsx'), 'utf8');
  const ours = here.split('function MyComponent() {')[1]?.split('\n// --- end of the spec')[0];
  expect(written).toBeTruthy();
  expect(ours?.trimEnd()).toBe(written?.trimEnd());
});
