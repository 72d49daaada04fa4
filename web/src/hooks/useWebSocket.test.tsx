// @vitest-environment jsdom
// The four hooks against the real server, each component with its own service.
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { baseUrl, login, raiseAlert, unique } from '../../test/support';
import { EventCategory, WebSocketService } from '../services/websocket.service';
import {
  WebSocketProvider,
  useWebSocketCategory,
  useWebSocketConnection,
  useWebSocketEvent,
  useWebSocketEvents,
} from './useWebSocket';

const WAIT = { timeout: 10_000 };
const services: WebSocketService[] = [];

afterEach(() => {
  cleanup();
  while (services.length) services.pop()?.reset();
});

function withService(): { service: WebSocketService; wrapper: (props: { children: ReactNode }) => ReactNode } {
  const service = new WebSocketService({ url: baseUrl() });
  services.push(service);
  return { service, wrapper: ({ children }) => <WebSocketProvider service={service}>{children}</WebSocketProvider> };
}

// Every event the socket receives, to check the bounded windows against: the admin socket also
// receives what the server publishes on its own (metrics, an earlier file's execution finishing).
const UNBOUNDED = 10_000;

function useEverything(token: string | null, limit: number) {
  const connection = useWebSocketConnection(token);
  const alert = useWebSocketEvent('system_alert');
  const system = useWebSocketCategory(EventCategory.SYSTEM, { limit });
  const all = useWebSocketEvents({ limit });
  const systemReceived = useWebSocketCategory(EventCategory.SYSTEM, { limit: UNBOUNDED });
  const received = useWebSocketEvents({ limit: UNBOUNDED });
  return { connection, alert, system, all, systemReceived, received };
}

describe('React hooks', () => {
  it('connect, then follow the latest event, a category and everything, within their limits', async () => {
    const token = await login();
    const { wrapper } = withService();
    const { result } = renderHook(() => useEverything(token, 2), { wrapper });
    await waitFor(() => expect(result.current.connection.isConnected).toBe(true), WAIT);
    expect(result.current.alert.data).toBeNull();

    const titles = [unique('hook'), unique('hook'), unique('hook')];
    for (const title of titles) await raiseAlert(token, title);
    await waitFor(() => expect(result.current.alert.data?.alert.title).toBe(titles[2]), WAIT);
    await waitFor(() => expect(result.current.system.events).toHaveLength(2), WAIT);

    const shown = (events: { event_type: string; data: { alert?: { title?: unknown } } }[]) =>
      events.filter((e) => e.event_type === 'system_alert').map((e) => e.data.alert?.title);
    await waitFor(() => {
      const { system, all, systemReceived, received } = result.current;
      expect(shown(systemReceived.events).slice(-3)).toEqual(titles);
      expect(system.events).toEqual(systemReceived.events.slice(-2));
      expect(all.events).toEqual(received.events.slice(-2));
    }, WAIT);
    expect(result.current.alert.event?.category).toBe('SYSTEM');
  });

  it('a hook mounted later starts from what the service already received', async () => {
    const token = await login();
    const { wrapper } = withService();
    const first = renderHook(() => useEverything(token, 10), { wrapper });
    await waitFor(() => expect(first.result.current.connection.isConnected).toBe(true), WAIT);
    const title = unique('earlier');
    await raiseAlert(token, title);
    await waitFor(() => expect(first.result.current.alert.data?.alert.title).toBe(title), WAIT);

    const later = renderHook(() => useEverything(null, 10), { wrapper });
    expect(later.result.current.alert.data?.alert.title).toBe(title);
    expect(later.result.current.system.events.map((e) => e.data.alert?.title)).toContain(title);
  });

  it('closes the socket when the last connected component unmounts, and forgets on reset', async () => {
    const token = await login();
    const { service, wrapper } = withService();
    const mounted = renderHook(() => useEverything(token, 10), { wrapper });
    await waitFor(() => expect(mounted.result.current.connection.isConnected).toBe(true), WAIT);
    await raiseAlert(token, unique('before-reset'));
    await waitFor(() => expect(mounted.result.current.system.events.length).toBeGreaterThan(0), WAIT);

    act(() => service.reset());
    expect(mounted.result.current.system.events).toEqual([]);
    expect(mounted.result.current.alert.data).toBeNull();
    mounted.unmount();
    await waitFor(() => expect(service.getState().status).toBe('idle'), WAIT);
  });

  it('renders live events in a component', async () => {
    const token = await login();
    const { wrapper } = withService();
    function Alerts() {
      const { isConnected } = useWebSocketConnection(token);
      const { events } = useWebSocketCategory(EventCategory.SYSTEM);
      return (
        <div>
          <p>{isConnected ? 'Connected' : 'Disconnected'}</p>
          <ul>
            {events.map((event) => (
              <li key={event.seq}>{String(event.data.alert?.title)}</li>
            ))}
          </ul>
        </div>
      );
    }
    render(<Alerts />, { wrapper });
    await screen.findByText('Connected', {}, WAIT);
    const title = unique('rendered');
    await raiseAlert(token, title);
    await screen.findByText(title, {}, WAIT);
  });
});
